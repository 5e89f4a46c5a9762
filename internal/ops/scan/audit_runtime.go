package scan

import (
	"sort"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/go-connections/nat"
)

// Compose labels read from inspect data.
const (
	labelService = "com.docker.compose.service"
	labelProject = "com.docker.compose.project"
)

// AuditContainer checks one container from the engine's inspect data. It is a pure function:
// the caller does the inspect (through internal/ops/engine). Missing parts of the inspect data
// count as Docker's defaults.
func AuditContainer(c container.InspectResponse) []Finding {
	return fromInspect(c).check()
}

func fromInspect(c container.InspectResponse) subject {
	s := subject{source: SourceRuntime}
	if c.ContainerJSONBase != nil {
		s.container = strings.TrimPrefix(c.Name, "/")
		if st := c.State; st != nil && st.Health != nil {
			s.health.status = st.Health.Status
		}
	}
	if cfg := c.Config; cfg != nil {
		s.service = cfg.Labels[labelService]
		s.image = cfg.Image
		s.user = cfg.User
		if hc := cfg.Healthcheck; hc != nil && len(hc.Test) > 0 {
			s.health.defined = true
			s.health.disabled = hc.Test[0] == "NONE"
		}
		for _, kv := range cfg.Env {
			name, value, _ := strings.Cut(kv, "=")
			s.env = append(s.env, envVar{name: name, value: value})
		}
	}
	if s.service == "" {
		s.service = s.container
	}
	var hc *container.HostConfig
	if c.ContainerJSONBase != nil {
		hc = c.HostConfig
	}
	if hc != nil {
		s.privileged = hc.Privileged
		s.capAdd = hc.CapAdd
		s.capDrop = hc.CapDrop
		s.readOnly = hc.ReadonlyRootfs
		s.memory = hc.Memory
		s.cpu = hc.NanoCPUs > 0 || hc.CPUQuota > 0 || hc.CpusetCpus != ""
		if hc.PidsLimit != nil {
			s.pids = *hc.PidsLimit
		}
		s.restart = string(hc.RestartPolicy.Name)
		if s.restart == "" {
			s.restart = "no"
		}
		s.network = string(hc.NetworkMode)
		s.pid = string(hc.PidMode)
		s.ipc = string(hc.IpcMode)
		s.uts = string(hc.UTSMode)
		s.userns = string(hc.UsernsMode)
		s.securityOpt = hc.SecurityOpt
		s.publishAll = hc.PublishAllPorts
		s.ports = portsOf(hc.PortBindings)
	}
	// The live bindings (with the host port Docker picked) are better than the configured ones.
	if ns := c.NetworkSettings; ns != nil && len(ns.Ports) > 0 {
		if live := portsOf(ns.Ports); len(live) > 0 {
			s.ports = live
		}
	}
	for _, m := range c.Mounts {
		s.mounts = append(s.mounts, mountInfo{typ: string(m.Type), source: m.Source, target: m.Destination, rw: m.RW})
	}
	return s
}

func portsOf(pm nat.PortMap) []portInfo {
	var out []portInfo
	for port, bindings := range pm {
		for _, b := range bindings {
			host := b.HostPort
			if host == "" {
				// Configured but not (yet) live: Docker picks a port when the container starts.
				host = "(random)"
			}
			out = append(out, portInfo{hostIP: b.HostIP, hostPort: host, target: string(port)})
		}
	}
	// Map order is random; findings must come out the same on every run.
	sort.Slice(out, func(i, j int) bool {
		if out[i].target != out[j].target {
			return out[i].target < out[j].target
		}
		return out[i].hostIP+":"+out[i].hostPort < out[j].hostIP+":"+out[j].hostPort
	})
	return out
}
