package monitor

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/survey-platform/surveytui/internal/ops/engine"
)

// ContainerInfo is the detail view of one container: what it runs, with which limits, mounts
// and environment, secrets masked.
type ContainerInfo struct {
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	Image    string            `json:"image"`
	Command  []string          `json:"command"`
	Ports    []string          `json:"ports"`
	Mounts   []string          `json:"mounts"`
	CPULimit float64           `json:"cpu_limit"`
	MemLimit int64             `json:"memory_limit"`
	PIDs     int64             `json:"pids_limit"`
	Restart  string            `json:"restart_policy"`
	User     string            `json:"user"`
	Env      []string          `json:"env"`
	Labels   map[string]string `json:"-"`
}

// secretName matches environment names whose values must never be shown.
var secretName = regexp.MustCompile(`(?i)(PASSWORD|PASSWD|SECRET|TOKEN|KEY|CREDENTIAL|URI)`)

// Mask is what a secret value is shown as.
const Mask = "********"

// MaskEnv hides the value of every NAME=value whose name looks secret. Credentials embedded
// in URLs (user:pass@host) are masked whatever the name.
func MaskEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		switch {
		case !ok:
			out = append(out, kv)
		case secretName.MatchString(name):
			out = append(out, name+"="+Mask)
		default:
			out = append(out, name+"="+maskURLCredentials(value))
		}
	}
	return out
}

var urlCreds = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]+):[^@/\s]+@`)

func maskURLCredentials(v string) string {
	return urlCreds.ReplaceAllString(v, "$1:"+Mask+"@")
}

// Describe builds the detail view from inspect data.
func Describe(d engine.Details) ContainerInfo {
	r := d.Inspect
	info := ContainerInfo{ID: r.ID, Name: strings.TrimPrefix(r.Name, "/"), Env: MaskEnv(d.Env)}
	if r.Config != nil {
		info.Image = r.Config.Image
		info.Command = append(append([]string{}, r.Config.Entrypoint...), r.Config.Cmd...)
		info.User = r.Config.User
		info.Labels = r.Config.Labels
	}
	if hc := r.HostConfig; hc != nil {
		info.CPULimit = float64(hc.NanoCPUs) / 1e9
		info.MemLimit = hc.Memory
		if hc.PidsLimit != nil {
			info.PIDs = *hc.PidsLimit
		}
		info.Restart = string(hc.RestartPolicy.Name)
	}
	if ns := r.NetworkSettings; ns != nil {
		for port, bindings := range ns.Ports {
			if len(bindings) == 0 {
				info.Ports = append(info.Ports, string(port))
			}
			for _, b := range bindings {
				info.Ports = append(info.Ports, fmt.Sprintf("%s:%s->%s", b.HostIP, b.HostPort, port))
			}
		}
		sort.Strings(info.Ports)
	}
	for _, m := range r.Mounts {
		src := m.Name
		if src == "" {
			src = m.Source
		}
		mode := "rw"
		if !m.RW {
			mode = "ro"
		}
		info.Mounts = append(info.Mounts, fmt.Sprintf("%s:%s (%s, %s)", src, m.Destination, m.Type, mode))
	}
	return info
}
