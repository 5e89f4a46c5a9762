package scan

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// AuditService checks one service of a compose file, statically. Limits may be given either
// the Compose v2 way (deploy.resources.limits) or the v1 way (mem_limit, cpus, pids_limit):
// docker-compose 1.29 honours both. Without the file's raw text it cannot tell a secret
// written in the file from one interpolated or read from an env_file, so secrets rank MEDIUM
// here; AuditProject tells them apart.
func AuditService(svc types.ServiceConfig) []Finding {
	return fromService(svc, nil).check()
}

// AuditProject checks every service of a loaded compose project, services in name order. It
// re-reads the project's compose files without interpolation to find secrets written in the
// files themselves (HIGH), as opposed to ${VARIABLES} and env_file values (MEDIUM).
func AuditProject(p *types.Project) []Finding {
	literals := literalEnv(p)
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
		out = append(out, fromService(svc, literals[name]).check()...)
	}
	return out
}

// interpolation matches ${VAR} and $VAR; "$$" is an escaped dollar and is not one.
var interpolation = regexp.MustCompile(`(^|[^$])\$(\{|[A-Za-z_])`)

// literalEnv returns, per service, the environment variables whose value is written in the
// compose files as is. A project whose files cannot be re-read (built in memory, files gone)
// gives none, so its secrets rank MEDIUM rather than being guessed HIGH.
func literalEnv(p *types.Project) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	if len(p.ComposeFiles) == 0 {
		return out
	}
	fns := []cli.ProjectOptionsFn{cli.WithInterpolation(false), cli.WithWorkingDirectory(p.WorkingDir)}
	if p.Name != "" {
		fns = append(fns, cli.WithName(p.Name))
	}
	opts, err := cli.NewProjectOptions(p.ComposeFiles, fns...)
	if err != nil {
		return out
	}
	model, err := opts.LoadModel(context.Background())
	if err != nil {
		return out
	}
	services, _ := model["services"].(map[string]any)
	for name, raw := range services {
		svc, _ := raw.(map[string]any)
		lit := map[string]bool{}
		switch env := svc["environment"].(type) {
		case map[string]any:
			for k, v := range env {
				if str, ok := v.(string); ok && !interpolation.MatchString(str) {
					lit[k] = true
				}
			}
		case []any:
			for _, item := range env {
				str, _ := item.(string)
				if k, v, ok := strings.Cut(str, "="); ok && !interpolation.MatchString(v) {
					lit[k] = true
				}
			}
		}
		out[name] = lit
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

func fromService(svc types.ServiceConfig, literal map[string]bool) subject {
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
			s.env = append(s.env, envVar{name: name, value: *v, literal: literal[name]})
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
