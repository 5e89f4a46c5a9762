package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/survey-platform/surveytui/internal/ops/engine"
	"github.com/survey-platform/surveytui/internal/ops/platform"
)

type probeTarget struct {
	service string
	url     string
}

// probeTargets are the app services' health URLs through their published ports: the same
// path a load balancer or an SRE's curl would take.
func (m *Monitor) probeTargets(st *state) []probeTarget {
	var out []probeTarget
	for _, svc := range m.decl.Services {
		if svc.Role != platform.RoleApp || !running(st.containers, svc.Name) {
			continue
		}
		if u := m.healthURL(svc, st.containers); u != "" {
			out = append(out, probeTarget{service: svc.Name, url: u})
		}
	}
	return out
}

func (m *Monitor) healthURL(svc platform.ServiceSpec, cs []engine.Container) string {
	path := "/health"
	if p, ok := m.opts.ProbePaths[svc.Name]; ok {
		path = p
	}
	// Prefer the port the engine actually published (it knows ephemeral ports); fall back to
	// the compose file's.
	for _, c := range cs {
		if c.Service != svc.Name {
			continue
		}
		for _, p := range c.Ports {
			if p.PublicPort != 0 && p.Type == "tcp" && (p.IP == "" || p.IP == "0.0.0.0" || p.IP == "127.0.0.1" || p.IP == "::") {
				return fmt.Sprintf("http://%s%s", net.JoinHostPort(m.probeHost(p.IP), strconv.Itoa(int(p.PublicPort))), path)
			}
		}
	}
	for _, p := range svc.Ports {
		if p.Published != "" && (p.Protocol == "" || p.Protocol == "tcp") {
			return fmt.Sprintf("http://%s%s", net.JoinHostPort(m.probeHost(p.HostIP), p.Published), path)
		}
	}
	return ""
}

func (m *Monitor) probeHost(ip string) string {
	if ip == "" || ip == "0.0.0.0" || ip == "::" {
		return m.opts.ProbeHost
	}
	return ip
}

// probeAll probes every target concurrently; each has the client's timeout.
func (m *Monitor) probeAll(ctx context.Context, targets []probeTarget) map[string]*ProbeResult {
	out := make(map[string]*ProbeResult, len(targets))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, t := range targets {
		wg.Add(1)
		go func(t probeTarget) {
			defer wg.Done()
			r := m.probe(ctx, t.url)
			mu.Lock()
			out[t.service] = r
			mu.Unlock()
		}(t)
	}
	wg.Wait()
	return out
}

func (m *Monitor) probe(ctx context.Context, url string) *ProbeResult {
	start := m.opts.Now()
	res := &ProbeResult{URL: url, At: start}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	resp, err := m.opts.HTTPClient.Do(req)
	res.Latency = time.Since(start)
	if err != nil {
		res.Error = shortNetError(err)
		return res
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	res.Status, res.Body = resp.StatusCode, string(body)
	return res
}

func shortNetError(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return oe.Err.Error()
	}
	return err.Error()
}

// adminFigures reads admin-service's own endpoints when it is part of the project and
// publishes a port; their figures go into the snapshot as they are.
func (m *Monitor) adminFigures(ctx context.Context, cs []engine.Container) *AdminFigures {
	spec, ok := m.decl.Service("admin-service")
	if !ok {
		return nil
	}
	base := m.healthURL(spec, cs)
	if base == "" {
		return nil
	}
	base = base[:len(base)-len("/health")]
	if p, ok := m.opts.ProbePaths["admin-service"]; ok {
		base = base[:len(base)-len(p)+len("/health")]
	}
	fig := &AdminFigures{At: m.opts.Now()}
	get := func(path string, into any) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		if err != nil {
			return err
		}
		resp, err := m.opts.HTTPClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: HTTP %d", path, resp.StatusCode)
		}
		return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(into)
	}
	if err := get("/admin/health", &fig.Health); err != nil {
		fig.Error = err.Error()
		return fig
	}
	if err := get("/admin/services", &fig.Services); err != nil {
		fig.Error = err.Error()
	}
	if err := get("/admin/stats", &fig.Stats); err != nil && fig.Error == "" {
		fig.Error = err.Error()
	}
	return fig
}

func running(cs []engine.Container, service string) bool {
	for _, c := range cs {
		if c.Service == service && c.State == "running" {
			return true
		}
	}
	return false
}
