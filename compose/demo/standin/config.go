package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// appPorts are the production ports of the ten app services; PORT overrides.
var appPorts = map[string]int{
	"survey-service":                3001,
	"geolocation-service":           3002,
	"analytics-service":             3003,
	"analytics-consumer-service":    3004,
	"notification-service":          3005,
	"notification-consumer-service": 3006,
	"audit-consumer-service":        3007,
	"websocket-service":             3008,
	"project-service":               3009,
	"admin-service":                 3010,
}

// infraPorts are the health-only infrastructure stand-ins and their ports.
var infraPorts = map[string]int{
	"redis":     6379,
	"kafka":     9092,
	"zookeeper": 2181,
	"kafka-ui":  8080,
}

// downstream is a service this one calls (or, for admin-service, watches).
type downstream struct {
	Name string // service name, also the host name on the compose network
	Addr string // host:port
}

// config is everything the environment can set. Zero durations and amounts
// disable their knob.
type config struct {
	Service  string
	Port     int
	Infra    bool
	Version  string
	LogLevel level

	Calls []downstream // STANDIN_CALLS: where requests are forwarded
	Watch []downstream // STANDIN_WATCH: what admin-service polls (default: Calls)

	UnhealthyAfter time.Duration // /health turns 503 after this long
	CrashAfter     time.Duration // the process exits 1 after this long
	CPUBurn        float64       // fraction of one core kept busy
	MemoryMB       int           // memory allocated, touched and held
	LogRate        float64       // extra log lines per second
	WriteMB        int           // MB of files written into DataDir at start
	DataDir        string

	Traffic         bool          // STANDIN_TRAFFIC=off disables simulated users
	TrafficInterval time.Duration // between simulated user requests
}

// loadConfig reads the environment through getenv (os.Getenv in main, a map
// in tests). Every error names the variable, the bad value and what to use.
func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		Service:         getenv("STANDIN_SERVICE"),
		Version:         orDefault(getenv("SERVICE_VERSION"), "1.0.0-demo"),
		DataDir:         orDefault(getenv("STANDIN_DATA_DIR"), "/data"),
		Traffic:         true,
		TrafficInterval: 2 * time.Second,
	}
	if c.Service == "" {
		return c, fmt.Errorf("STANDIN_SERVICE is empty: set it to a service name such as survey-service or redis")
	}
	_, c.Infra = infraPorts[c.Service]
	c.Port = appPorts[c.Service]
	if c.Infra {
		c.Port = infraPorts[c.Service]
	}
	if c.Port == 0 {
		c.Port = 3000
	}
	var err error
	if v := getenv("PORT"); v != "" {
		p, perr := strconv.Atoi(v)
		if perr != nil || p < 1 || p > 65535 {
			return c, fmt.Errorf("PORT=%q: want a TCP port number from 1 to 65535", v)
		}
		c.Port = p
	}
	if c.LogLevel, err = parseLevel(orDefault(getenv("LOG_LEVEL"), "debug")); err != nil {
		return c, err
	}
	if c.Calls, err = parseDownstreams("STANDIN_CALLS", getenv("STANDIN_CALLS")); err != nil {
		return c, err
	}
	if c.Watch, err = parseDownstreams("STANDIN_WATCH", getenv("STANDIN_WATCH")); err != nil {
		return c, err
	}
	if len(c.Watch) == 0 {
		c.Watch = c.Calls
	}
	durations := []struct {
		key string
		dst *time.Duration
	}{
		{"STANDIN_UNHEALTHY_AFTER", &c.UnhealthyAfter},
		{"STANDIN_CRASH_AFTER", &c.CrashAfter},
		{"STANDIN_TRAFFIC_INTERVAL", &c.TrafficInterval},
	}
	for _, d := range durations {
		v := getenv(d.key)
		if v == "" {
			continue
		}
		parsed, perr := time.ParseDuration(v)
		if perr != nil || parsed < 0 {
			return c, fmt.Errorf("%s=%q: want a duration such as 20s or 2m", d.key, v)
		}
		*d.dst = parsed
	}
	if c.TrafficInterval < 100*time.Millisecond {
		return c, fmt.Errorf("STANDIN_TRAFFIC_INTERVAL=%q: want at least 100ms", getenv("STANDIN_TRAFFIC_INTERVAL"))
	}
	switch v := strings.ToLower(getenv("STANDIN_TRAFFIC")); v {
	case "", "on", "true", "1":
	case "off", "false", "0":
		c.Traffic = false
	default:
		return c, fmt.Errorf("STANDIN_TRAFFIC=%q: want on or off", v)
	}
	maxBurn := float64(runtime.NumCPU())
	if c.CPUBurn, err = parseFloat("STANDIN_CPU_BURN", getenv("STANDIN_CPU_BURN"), maxBurn,
		"a fraction of one core such as 0.5 (at most the number of CPUs)"); err != nil {
		return c, err
	}
	if c.LogRate, err = parseFloat("STANDIN_LOG_RATE", getenv("STANDIN_LOG_RATE"), 10000,
		"extra log lines per second such as 20 (at most 10000)"); err != nil {
		return c, err
	}
	if c.MemoryMB, err = parseMB("STANDIN_MEMORY_MB", getenv("STANDIN_MEMORY_MB")); err != nil {
		return c, err
	}
	if c.WriteMB, err = parseMB("STANDIN_WRITE_MB", getenv("STANDIN_WRITE_MB")); err != nil {
		return c, err
	}
	return c, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func parseFloat(key, v string, max float64, want string) (float64, error) {
	if v == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > max {
		return 0, fmt.Errorf("%s=%q: want %s", key, v, want)
	}
	return f, nil
}

// maxMB caps the memory and disk knobs: a typo must not fill the host.
const maxMB = 4096

func parseMB(key, v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > maxMB {
		return 0, fmt.Errorf("%s=%q: want a whole number of megabytes from 0 to %d", key, v, maxMB)
	}
	return n, nil
}

// parseDownstreams reads "name:port,name:port" (the name is also the host on
// the compose network) or "name=host:port" for a different host.
func parseDownstreams(key, v string) ([]downstream, error) {
	var out []downstream
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, addr, hasName := strings.Cut(item, "=")
		if !hasName {
			addr = item
			name, _, _ = strings.Cut(item, ":")
		}
		host, port, ok := strings.Cut(addr, ":")
		p, err := strconv.Atoi(port)
		if !ok || host == "" || name == "" || err != nil || p < 1 || p > 65535 {
			return nil, fmt.Errorf("%s: bad entry %q: want service:port (such as geolocation-service:3002) or name=host:port, comma-separated", key, item)
		}
		out = append(out, downstream{Name: name, Addr: addr})
	}
	return out, nil
}

// getenv is the process environment; a variable so main stays testable.
var getenv = os.Getenv
