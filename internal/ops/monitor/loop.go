package monitor

import (
	"context"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/survey-platform/surveytui/internal/ops/engine"
)

// state is everything the Run goroutine keeps between rounds. Only that goroutine touches it;
// results of slow work (samples, probes, volume sizes) come back over channels.
type state struct {
	containers []engine.Container
	details    map[string]engine.Details
	events     map[string][]Event
	prev       map[string]RawSample
	rates      map[string]containerRates
	cpuHist    map[string][]float64
	memHist    map[string][]float64
	probes     map[string]*ProbeResult
	// overrides hold what events said about a container until a list agrees: the engine
	// emits "die" before its container list says exited (seen: up to 1.5 s on 20.10).
	overrides map[string]override
	volumes   []VolumeStatus
	volumesAt time.Time
	volBase   map[string]volumeBase
	admin     *AdminFigures
	engine    EngineStatus
	alerts    *alertState
	seq       uint64
}

type containerRates struct {
	cpu, netRx, netTx, blkR, blkW float64
	mem, memLimit                 uint64
}

type override struct {
	state  string // Docker state the event implies, "" to keep the list's
	health string // health the event implies, "" to keep the list's
	at     time.Time
}

type volumeBase struct {
	size int64
	at   time.Time
}

func newState(host string) *state {
	return &state{
		details: map[string]engine.Details{}, events: map[string][]Event{},
		prev: map[string]RawSample{}, rates: map[string]containerRates{},
		cpuHist: map[string][]float64{}, memHist: map[string][]float64{},
		probes: map[string]*ProbeResult{}, volBase: map[string]volumeBase{}, overrides: map[string]override{},
		engine: EngineStatus{Host: host}, alerts: newAlertState(),
	}
}

// Run watches until ctx ends. It never returns early on engine errors: it reports them in
// the snapshot and retries with backoff, so the console recovers by itself.
func (m *Monitor) Run(ctx context.Context) {
	st := newState(m.eng.Host())
	relist := time.NewTicker(m.opts.RelistInterval)
	sample := time.NewTicker(m.opts.Interval)
	probe := time.NewTicker(m.opts.ProbeInterval)
	vols := time.NewTicker(m.opts.VolumeInterval)
	defer relist.Stop()
	defer sample.Stop()
	defer probe.Stop()
	defer vols.Stop()
	if c, ok := m.opts.Sampler.(io.Closer); ok {
		defer c.Close()
	}

	events := make(chan engine.Event, 64)
	eventsUp := make(chan error, 4)
	go m.followEvents(ctx, events, eventsUp)

	samples := make(chan map[string]RawSample, 1)
	probes := make(chan map[string]*ProbeResult, 1)
	volumes := make(chan []engine.VolumeUsage, 1)
	admin := make(chan *AdminFigures, 1)
	var sampling, probing, measuring bool

	retry := time.NewTimer(0) // the first list happens at once
	backoff := time.Second
	listNow := func() {
		if m.list(ctx, st) == nil {
			backoff = time.Second
			m.publish(m.snapshot(st, false))
			return
		}
		m.publish(m.snapshot(st, false))
		retry.Reset(backoff)
		if backoff < 15*time.Second {
			backoff *= 2
		}
	}
	startProbes := func() {
		if !probing && st.engine.Reachable {
			probing = true
			go func(targets []probeTarget) { probes <- m.probeAll(ctx, targets) }(m.probeTargets(st))
			go func() { admin <- m.adminFigures(ctx, st.containers) }()
		}
	}
	startVolumes := func() {
		if !measuring && st.engine.Reachable {
			measuring = true
			go func() {
				vs, err := m.eng.VolumeUsages(ctx)
				if err != nil {
					vs = nil
				}
				volumes <- vs
			}()
		}
	}
	debounce := time.NewTimer(time.Hour)
	debounce.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-retry.C:
			listNow()
			startProbes()
			startVolumes()
		case <-relist.C:
			listNow()
		case ev := <-events:
			m.noteEvent(st, ev)
			// A burst of events (compose up, a restart) causes one re-list, at most 100 ms late.
			debounce.Reset(100 * time.Millisecond)
		case <-debounce.C:
			listNow()
		case err := <-eventsUp:
			if err == nil {
				listNow() // events resubscribed: repair what was missed meanwhile
			}
		case <-sample.C:
			if !sampling && m.opts.Sampler != nil && st.engine.Reachable {
				sampling = true
				go func(targets []string) {
					res, err := m.opts.Sampler.Sample(ctx, targets)
					if err != nil {
						res = nil
					}
					samples <- res
				}(m.sampleTargets(st))
			}
		case res := <-samples:
			sampling = false
			m.applySamples(st, res)
			m.publish(m.snapshot(st, true))
		case <-probe.C:
			startProbes()
		case res := <-probes:
			probing = false
			st.probes = res
			m.publish(m.snapshot(st, false))
		case a := <-admin:
			st.admin = a
		case <-vols.C:
			startVolumes()
		case <-m.volReq:
			startVolumes()
		case vs := <-volumes:
			measuring = false
			if vs != nil {
				m.applyVolumes(st, vs)
				m.publish(m.snapshot(st, false))
			}
		}
	}
}

// list re-reads the containers and inspects the ones that changed. It returns the engine's
// error when it did not answer.
func (m *Monitor) list(ctx context.Context, st *state) error {
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cs, err := m.eng.ListProjectContainers(lctx, m.decl.Project)
	if err != nil {
		if st.engine.Reachable || st.engine.Since.IsZero() {
			st.engine.Since = m.opts.Now()
		}
		st.engine.Reachable, st.engine.Error = false, err.Error()
		return err
	}
	st.engine = EngineStatus{Host: m.eng.Host(), APIVersion: m.eng.APIVersion(), Reachable: true}
	seen := map[string]bool{}
	var stale []string
	for _, c := range cs {
		seen[c.ID] = true
		old, ok := st.details[c.ID]
		// Inspect only what is new or changed state since the last list: inspect per
		// container per round would cost more than the list itself.
		if !ok || old.HealthStatus != c.Health || stateChanged(st.containers, c) {
			stale = append(stale, c.ID)
		}
	}
	if len(st.details) == 0 && len(stale) > 0 && st.seq == 0 {
		// The very first list: show it before the inspects (the first screen waits on it).
		st.containers = applyOverrides(cs, st.overrides, m.opts.Now())
		m.publish(m.snapshot(st, false))
	}
	for id, d := range m.inspectAll(lctx, stale) {
		st.details[id] = d
	}
	for id := range st.details {
		if !seen[id] {
			delete(st.details, id)
			delete(st.prev, id)
			delete(st.rates, id)
		}
	}
	st.containers = applyOverrides(cs, st.overrides, m.opts.Now())
	return nil
}

func stateChanged(old []engine.Container, c engine.Container) bool {
	for _, o := range old {
		if o.ID == c.ID {
			return o.State != c.State || o.Status != c.Status && strings.HasPrefix(c.Status, "Restarting")
		}
	}
	return true
}

func (m *Monitor) noteEvent(st *state, ev engine.Event) {
	list := append(st.events[ev.ContainerID], Event{Time: ev.Time, Action: ev.Action})
	if len(list) > 20 {
		list = list[len(list)-20:]
	}
	st.events[ev.ContainerID] = list
	// A start that follows a die of the same container is a restart, whoever caused it (the
	// restart policy, docker restart, surveytui).
	if ev.Action == "start" && diedSinceLastStart(list[:len(list)-1]) {
		st.alerts.noteRestart(ev.Service, ev.Time)
	}
	// Inspect again on the next list: exit code, OOM flag and health log changed.
	delete(st.details, ev.ContainerID)
	o := st.overrides[ev.ContainerID]
	o.at = m.opts.Now()
	switch {
	case ev.Action == "die" || ev.Action == "stop":
		o.state, o.health = "exited", ""
	case ev.Action == "start" || ev.Action == "restart" || ev.Action == "unpause":
		o.state = "running"
	case ev.Action == "pause":
		o.state = "paused"
	case strings.HasPrefix(ev.Action, "health_status: "):
		o.health = strings.TrimPrefix(ev.Action, "health_status: ")
	default:
		return
	}
	st.overrides[ev.ContainerID] = o
	// Show the change now rather than after the debounced list.
	st.containers = applyOverrides(st.containers, st.overrides, o.at)
}

func diedSinceLastStart(events []Event) bool {
	for i := len(events) - 1; i >= 0; i-- {
		switch events[i].Action {
		case "die":
			return true
		case "start":
			return false
		}
	}
	return false
}

// applyOverrides lays event-derived state over a container list. An override ends when the
// list agrees with it or after 5 s (the list is then the truth again).
func applyOverrides(cs []engine.Container, overrides map[string]override, now time.Time) []engine.Container {
	out := make([]engine.Container, len(cs))
	copy(out, cs)
	for i, c := range out {
		o, ok := overrides[c.ID]
		if !ok {
			continue
		}
		agrees := (o.state == "" || o.state == c.State) && (o.health == "" || o.health == c.Health)
		if agrees || c.State == "restarting" || now.Sub(o.at) > 5*time.Second {
			delete(overrides, c.ID)
			continue
		}
		if o.state != "" {
			out[i].State = o.state
			if o.state != "running" {
				out[i].Health = ""
			}
		}
		if o.health != "" && out[i].State == "running" {
			out[i].Health = o.health
		}
	}
	return out
}

func (m *Monitor) sampleTargets(st *state) []string {
	var ids []string
	for _, c := range st.containers {
		if c.State == "running" {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

func (m *Monitor) applySamples(st *state, res map[string]RawSample) {
	if res == nil {
		return
	}
	for id, cur := range res {
		r := containerRates{mem: cur.MemUsage, memLimit: cur.MemLimit}
		if prev, ok := st.prev[id]; ok {
			r.cpu, r.netRx, r.netTx, r.blkR, r.blkW = Rates(prev, cur)
		}
		st.rates[id] = r
		st.prev[id] = cur
	}
	for _, c := range st.containers {
		if _, ok := res[c.ID]; !ok {
			delete(st.rates, c.ID)
		}
	}
	for _, svc := range m.decl.Services {
		var cpu, mem float64
		for _, c := range st.containers {
			if c.Service == svc.Name {
				cpu += st.rates[c.ID].cpu
				mem += float64(st.rates[c.ID].mem)
			}
		}
		st.cpuHist[svc.Name] = pushHistory(st.cpuHist[svc.Name], cpu, m.opts.History)
		st.memHist[svc.Name] = pushHistory(st.memHist[svc.Name], mem, m.opts.History)
	}
}

func pushHistory(h []float64, v float64, max int) []float64 {
	h = append(h, v)
	if len(h) > max {
		h = h[len(h)-max:]
	}
	return h
}

func (m *Monitor) applyVolumes(st *state, usages []engine.VolumeUsage) {
	now := m.opts.Now()
	byName := map[string]engine.VolumeUsage{}
	for _, u := range usages {
		byName[u.Name] = u
	}
	owners := map[string][]string{}
	for _, s := range m.decl.Services {
		for _, v := range s.Volumes {
			owners[v.Volume] = append(owners[v.Volume], s.Name)
		}
	}
	var out []VolumeStatus
	for _, name := range sortedKeys(m.decl.Volumes) {
		engName := m.decl.Volumes[name]
		vs := VolumeStatus{Name: name, EngineName: engName, Owners: owners[name], Size: -1}
		u, ok := byName[engName]
		if !ok {
			vs.Missing = true
			out = append(out, vs)
			continue
		}
		vs.Driver, vs.Mountpoint, vs.Size = u.Driver, u.Mountpoint, u.Size
		base, ok := st.volBase[name]
		if !ok && u.Size >= 0 {
			base = volumeBase{size: u.Size, at: now}
			st.volBase[name] = base
		}
		if u.Size >= 0 && ok {
			vs.Growth = u.Size - base.size
			if h := now.Sub(base.at).Hours(); h > 0 {
				vs.GrowthPerHour = float64(vs.Growth) / h
			}
		}
		out = append(out, vs)
	}
	st.volumes, st.volumesAt = out, now
}

// inspectAll inspects containers a few at a time: the first screen waits on these, and the
// engine answers concurrent inspects in parallel.
func (m *Monitor) inspectAll(ctx context.Context, ids []string) map[string]engine.Details {
	out := make(map[string]engine.Details, len(ids))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func(id string) {
			defer func() { <-sem; wg.Done() }()
			if d, err := m.eng.Details(ctx, id); err == nil {
				mu.Lock()
				out[id] = d
				mu.Unlock()
			}
		}(id)
	}
	wg.Wait()
	return out
}
