package scan

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// AuditService checks one service of a compose file, statically. Limits may be given either
// the Compose v2 way (deploy.resources.limits) or the v1 way (mem_limit, cpus, pids_limit):
// docker-compose 1.29 honours both.
func AuditService(svc types.ServiceConfig) []Finding {
	return fromService(svc).check()
}

// AuditProject checks every service of a loaded compose project, services in name order.
func AuditProject(p *types.Project) []Finding {
	names := make([]string, 0, len(p.Services))
	for name := range p.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []Finding
	for _, name := range names {
		svc := p.Services[name]
		if svc.Name == "" {
			svc.Name = name
		}
		out = append(out, AuditService(svc)...)
	}
	return out
}

// LoadCompose loads compose files with compose-go the way Compose does: variables from the
// environment and from a .env file next to the first file, overrides merged in order.
func LoadCompose(ctx context.Context, files ...string) (*types.Project, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("no compose file given: pass -f compose.yml")
	}
	opts, err := cli.NewProjectOptions(files, cli.WithOsEnv, cli.WithDotEnv, cli.WithConsistency(true))
	if err != nil {
		return nil, fmt.Errorf("compose file %s: %v", strings.Join(files, ", "), err)
	}
	p, err := opts.LoadProject(ctx)
	if err != nil {
		return nil, fmt.Errorf("compose file %s cannot be loaded: %v", strings.Join(files, ", "), err)
	}
	return p, nil
}

// AuditComposeFile loads the compose files and audits every service statically. It is the
// check a CI job runs on the production compose file before deploying.
func AuditComposeFile(ctx context.Context, files ...string) ([]Finding, error) {
	p, err := LoadCompose(ctx, files...)
	if err != nil {
		return nil, err
	}
	return AuditProject(p), nil
}

func fromService(svc types.ServiceConfig) subject {
	s := subject{
		source:      SourceCompose,
		service:     svc.Name,
		container:   svc.ContainerName,
		image:       svc.Image,
		user:        svc.User,
		privileged:  svc.Privileged,
		capAdd:      svc.CapAdd,
		capDrop:     svc.CapDrop,
		readOnly:    svc.ReadOnly,
		memory:      int64(svc.MemLimit),
		cpu:         svc.CPUS > 0 || svc.CPUQuota > 0 || svc.CPUSet != "",
		pids:        svc.PidsLimit,
		restart:     svc.Restart,
		network:     svc.NetworkMode,
		pid:         svc.Pid,
		ipc:         svc.Ipc,
		uts:         svc.Uts,
		userns:      svc.UserNSMode,
		securityOpt: svc.SecurityOpt,
		apiSocket:   svc.UseAPISocket,
	}
	if d := svc.Deploy; d != nil {
		if l := d.Resources.Limits; l != nil {
			if l.MemoryBytes > 0 {
				s.memory = int64(l.MemoryBytes)
			}
			if l.NanoCPUs > 0 {
				s.cpu = true
			}
			if l.Pids > 0 {
				s.pids = l.Pids
			}
		}
		if s.restart == "" && d.RestartPolicy != nil && d.RestartPolicy.Condition != "" {
			s.restart = d.RestartPolicy.Condition
		}
	}
	if hc := svc.HealthCheck; hc != nil {
		s.health.disabled = hc.Disable || (len(hc.Test) > 0 && hc.Test[0] == "NONE")
		s.health.defined = len(hc.Test) > 0 && !s.health.disabled
	}
	// A service built or pulled from an image may carry a HEALTHCHECK the file cannot show.
	s.health.unknown = true
	for _, v := range svc.Volumes {
		s.mounts = append(s.mounts, mountInfo{typ: v.Type, source: v.Source, target: v.Target, rw: !v.ReadOnly})
	}
	names := make([]string, 0, len(svc.Environment))
	for name := range svc.Environment {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if v := svc.Environment[name]; v != nil {
			s.env = append(s.env, envVar{name: name, value: *v})
		}
	}
	for _, p := range svc.Ports {
		host := p.Published
		if host == "" {
			host = "(random)"
		}
		s.ports = append(s.ports, portInfo{hostIP: p.HostIP, hostPort: host, target: fmt.Sprintf("%d/%s", p.Target, protoOr(p.Protocol))})
	}
	return s
}

func protoOr(p string) string {
	if p == "" {
		return "tcp"
	}
	return p
}
