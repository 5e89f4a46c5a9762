package scan

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
)

// Finding is one hardening gap of one container (runtime audit) or one compose service
// (static audit). Strings taken from inspect data or the compose file are kept as they are:
// whoever displays them sanitizes them. Secret values are never copied into a finding.
type Finding struct {
	// CheckID is the CIS Docker Benchmark (v1.6) recommendation number where one exists,
	// otherwise a surveytui id ("SP-...").
	CheckID   string   `json:"check_id"`
	Severity  Severity `json:"severity"`
	Source    string   `json:"source"` // "runtime" or "compose"
	Service   string   `json:"service,omitempty"`
	Container string   `json:"container,omitempty"`
	Image     string   `json:"image,omitempty"`
	Title     string   `json:"title"`
	Evidence  string   `json:"evidence"`
	Fix       string   `json:"fix"`
}

// Finding sources.
const (
	SourceRuntime = "runtime"
	SourceCompose = "compose"
)

// subject is what the checks need to know about one container or service, whichever way it
// was described: both audits fill it, so the runtime and the static audit cannot drift apart.
type subject struct {
	source, service, container, image string

	user        string
	privileged  bool
	capAdd      []string
	capDrop     []string
	readOnly    bool
	memory      int64 // bytes; 0 = unlimited
	cpu         bool  // any CPU limit or quota
	pids        int64 // 0 or negative = unlimited
	health      health
	restart     string // no, always, unless-stopped, on-failure
	network     string
	pid         string
	ipc         string
	uts         string
	userns      string
	securityOpt []string
	apiSocket   bool // compose use_api_socket
	mounts      []mountInfo
	env         []envVar
	ports       []portInfo
	publishAll  bool
}

type health struct {
	defined  bool
	disabled bool
	status   string // runtime only: starting, healthy, unhealthy
	unknown  bool   // static audit: the image may carry its own HEALTHCHECK
}

type mountInfo struct {
	typ, source, target string
	rw                  bool
}

// envVar is one environment variable; literal says its value is written as such in the
// compose file (not ${interpolated}, not from an env_file), which only the static audit knows.
type envVar struct {
	name, value string
	literal     bool
}

type portInfo struct{ hostIP, hostPort, target string }

func (s subject) finding(id string, sev Severity, title, evidence, fix string) Finding {
	return Finding{CheckID: id, Severity: sev, Source: s.source, Service: s.service,
		Container: s.container, Image: s.image, Title: title, Evidence: evidence, Fix: fix}
}

// check runs every check on one subject; findings come out highest severity first.
func (s subject) check() []Finding {
	var out []Finding
	add := func(f Finding) { out = append(out, f) }

	if isRoot(s.user) {
		ev := "no user set: the process runs as root (uid 0)"
		if s.user != "" {
			ev = fmt.Sprintf("user %q", s.user)
		}
		// MEDIUM, not HIGH: many data-store images start as root and drop to their own user
		// in the entrypoint, which inspect data cannot see.
		add(s.finding("4.1", SeverityMedium, "container runs as root", ev,
			"set `user: \"1001:1001\"` (or a USER in the Dockerfile) to a non-root uid that owns only what it writes"))
	}
	if s.privileged {
		add(s.finding("5.4", SeverityCritical, "privileged container", "privileged: true gives every capability and every host device",
			"remove `privileged: true`; add only the capabilities the service needs with cap_add"))
	}
	if caps := dangerousCaps(s.capAdd); len(caps) > 0 {
		sev := SeverityHigh
		if contains(caps, "ALL") {
			sev = SeverityCritical
		}
		add(s.finding("5.3", sev, "dangerous capabilities added", "cap_add: "+strings.Join(caps, ", "),
			"remove these from cap_add; if one is really needed, document why and scope it"))
	} else if len(s.capAdd) > 0 {
		add(s.finding("5.3", SeverityLow, "capabilities added", "cap_add: "+strings.Join(s.capAdd, ", "),
			"check each added capability is needed"))
	}
	if !s.privileged && !containsFold(s.capDrop, "ALL") {
		add(s.finding("5.3", SeverityLow, "default capabilities kept", "cap_drop does not include ALL",
			"add `cap_drop: [ALL]` and cap_add back only what the service needs"))
	}
	if !s.readOnly {
		add(s.finding("5.12", SeverityMedium, "root filesystem is writable", "read_only is not set",
			"set `read_only: true` and give writable paths a tmpfs or a volume"))
	}
	if s.memory <= 0 {
		add(s.finding("5.10", SeverityMedium, "no memory limit", "memory limit: none",
			"set deploy.resources.limits.memory (or mem_limit), e.g. 512M"))
	}
	if !s.cpu {
		add(s.finding("5.11", SeverityLow, "no CPU limit", "cpus / cpu quota: none",
			"set deploy.resources.limits.cpus (or cpus), e.g. \"1.0\""))
	}
	if s.pids <= 0 {
		add(s.finding("5.28", SeverityMedium, "no PIDs limit", "pids limit: none (a fork bomb can exhaust the host)",
			"set `pids_limit: 256` (or deploy.resources.limits.pids)"))
	}
	s.checkHealth(add)
	if s.restart == "" || s.restart == "no" {
		add(s.finding("5.14", SeverityLow, "no restart policy", "restart: no",
			"set `restart: on-failure:5` (or unless-stopped) so a crash does not leave the service down"))
	}
	for _, ns := range []struct {
		id, name, mode string
		sev            Severity
	}{
		{"5.9", "network", s.network, SeverityHigh},
		{"5.15", "PID", s.pid, SeverityHigh},
		{"5.16", "IPC", s.ipc, SeverityHigh},
		{"5.20", "UTS", s.uts, SeverityMedium},
		{"5.30", "user", s.userns, SeverityMedium},
	} {
		if ns.mode == "host" {
			add(s.finding(ns.id, ns.sev, "host "+ns.name+" namespace shared", ns.name+" mode: host",
				"remove the host "+ns.name+" mode so the container gets its own namespace"))
		}
	}
	s.checkSecurityOpt(add)
	s.checkMounts(add)
	s.checkEnv(add)
	s.checkPorts(add)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Severity > out[j].Severity })
	return out
}

func (s subject) checkHealth(add func(Finding)) {
	switch {
	case s.health.disabled:
		add(s.finding("5.26", SeverityMedium, "healthcheck disabled", "healthcheck: disable / NONE",
			"define a healthcheck that probes the service's /health endpoint"))
	case !s.health.defined && s.health.unknown:
		add(s.finding("5.26", SeverityLow, "no healthcheck in the compose file", "healthcheck: not set (the image may define one)",
			"define a healthcheck in the compose file, or check the image has a HEALTHCHECK"))
	case !s.health.defined:
		add(s.finding("5.26", SeverityMedium, "no healthcheck", "no healthcheck in the container or its image",
			"define a healthcheck that probes the service's /health endpoint"))
	case s.health.status == "unhealthy":
		add(s.finding("5.26", SeverityMedium, "healthcheck failing", "health status: unhealthy",
			"look at the service's logs and the healthcheck output (docker inspect) and fix the cause"))
	}
}

func (s subject) checkSecurityOpt(add func(Finding)) {
	nnp := false
	for _, opt := range s.securityOpt {
		o := strings.ToLower(strings.ReplaceAll(opt, "=", ":"))
		switch {
		case o == "seccomp:unconfined":
			add(s.finding("5.21", SeverityHigh, "seccomp disabled", "security_opt: "+opt,
				"remove seccomp:unconfined; if a syscall is missing, use a custom profile that adds only it"))
		case o == "apparmor:unconfined":
			add(s.finding("5.1", SeverityHigh, "AppArmor disabled", "security_opt: "+opt,
				"remove apparmor:unconfined so the default docker-default profile applies"))
		case o == "no-new-privileges" || o == "no-new-privileges:true":
			nnp = true
		}
	}
	if !nnp {
		add(s.finding("5.25", SeverityMedium, "no-new-privileges not set", "security_opt lacks no-new-privileges:true",
			"add `security_opt: [\"no-new-privileges:true\"]` so setuid binaries cannot raise privileges"))
	}
}

// sensitiveHostPaths are the host directories CIS 5.5 says must not be mounted (read-write
// here: a read-only /etc/localtime is common and harmless).
var sensitiveHostPaths = []string{"/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr", "/var/lib/docker", "/root"}

func (s subject) checkMounts(add func(Finding)) {
	if s.apiSocket {
		add(s.finding("5.31", SeverityCritical, "Docker API socket mounted", "use_api_socket: true",
			"remove use_api_socket: whoever controls the container controls the host"))
	}
	for _, m := range s.mounts {
		if m.typ != "" && m.typ != "bind" {
			continue
		}
		src := path.Clean(m.source)
		switch base := path.Base(src); {
		case base == "docker.sock" || base == "containerd.sock" || base == "podman.sock":
			add(s.finding("5.31", SeverityCritical, "container runtime socket mounted",
				fmt.Sprintf("%s mounted at %s (%s)", m.source, m.target, rwName(m.rw)),
				"remove the socket mount: whoever controls the container controls the host (even read-only)"))
		case m.rw && isSensitive(src):
			add(s.finding("5.5", SeverityHigh, "sensitive host path mounted read-write",
				fmt.Sprintf("%s mounted at %s (rw)", m.source, m.target),
				"do not mount host system directories; if the data is needed, mount the one file read-only (:ro)"))
		}
	}
}

func isSensitive(p string) bool {
	if p == "/" {
		return true
	}
	for _, s := range sensitiveHostPaths {
		if p == s || strings.HasPrefix(p, s+"/") {
			return true
		}
	}
	return false
}

func rwName(rw bool) string {
	if rw {
		return "rw"
	}
	return "ro"
}

// secretName matches environment variable names that usually hold a credential. Names
// ending in _FILE are the recommended fix (a path to a mounted secret) and are skipped.
var secretName = regexp.MustCompile(`(?i)(PASSW(OR)?D|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?|AUTH_?KEY|_PWD$|^PWD_)`)

// secretValues are value shapes that are credentials whatever the variable is called.
var secretValues = []struct {
	what string
	re   *regexp.Regexp
}{
	{"a URL with an embedded password", regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*://[^/:@\s]+:[^/@\s]+@`)},
	{"a private key", regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`)},
	{"an AWS access key id", regexp.MustCompile(`\b(AKIA|ASIA)[0-9A-Z]{16}\b`)},
	{"a JSON Web Token", regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+`)},
	{"a GitHub token", regexp.MustCompile(`\bgh[pousr]_[A-Za-z0-9]{30,}`)},
	{"a Slack token", regexp.MustCompile(`\bxox[abprs]-[A-Za-z0-9-]{10,}`)},
}

func (s subject) checkEnv(add func(Finding)) {
	for _, e := range s.env {
		if e.value == "" || strings.HasSuffix(strings.ToUpper(e.name), "_FILE") {
			continue
		}
		what := ""
		if !secretName.MatchString(e.name) {
			for _, sv := range secretValues {
				if sv.re.MatchString(e.value) {
					what = sv.what
					break
				}
			}
			if what == "" {
				continue
			}
		}
		evidence := fmt.Sprintf("%s=%s", e.name, redact(e.value))
		if what != "" {
			evidence = fmt.Sprintf("%s holds %s (%s)", e.name, what, redact(e.value))
		}
		if e.literal {
			// Written in the compose file itself: it is in every copy of the repository.
			add(s.finding("4.10", SeverityHigh, "secret written in the compose file", evidence,
				"move the value out of the file: a Docker/Compose secret read through a *_FILE variable, or at least ${VAR} from a 0600 .env kept out of git; rotate it, it is in the repository history"))
			continue
		}
		// MEDIUM: kept out of the file, but readable by anyone who can inspect the container,
		// by every process in it, and in crash dumps.
		add(s.finding("4.10", SeverityMedium, "secret in a plain environment variable", evidence,
			"pass it as a Docker/Compose secret (a mounted file) and read it from a *_FILE variable"))
	}
}

// redact says how long a secret is without showing any of it.
func redact(v string) string { return fmt.Sprintf("<redacted, %d chars>", len(v)) }

// dataStores are the service kinds that must never be reachable from outside the host.
var dataStores = []string{"mongo", "redis", "kafka", "elasticsearch", "opensearch", "zookeeper",
	"postgres", "mysql", "mariadb", "memcached", "rabbitmq", "cassandra", "couchdb", "etcd"}

func (s subject) dataStore() string {
	name := strings.ToLower(s.service + " " + s.image)
	for _, d := range dataStores {
		if strings.Contains(name, d) {
			return d
		}
	}
	return ""
}

func (s subject) checkPorts(add func(Finding)) {
	store := s.dataStore()
	if s.publishAll {
		add(s.finding("5.8", SeverityMedium, "every exposed port published", "publish all ports (-P)",
			"publish only the ports clients need, on 127.0.0.1 unless they must be public"))
	}
	if store == "" {
		return
	}
	for _, p := range s.ports {
		if p.hostPort == "" || isLoopback(p.hostIP) {
			continue
		}
		ip := p.hostIP
		if ip == "" {
			ip = "0.0.0.0"
		}
		add(s.finding("5.13", SeverityHigh, "data store ("+store+") published on a non-loopback address",
			fmt.Sprintf("%s:%s -> %s", ip, p.hostPort, p.target),
			fmt.Sprintf("remove the port (services reach it on the compose network) or bind it to loopback: \"127.0.0.1:%s:%s\"",
				strings.TrimPrefix(p.hostPort, "(random)"), strings.TrimSuffix(p.target, "/tcp"))))
	}
}

func isLoopback(ip string) bool {
	return ip == "::1" || ip == "localhost" || strings.HasPrefix(ip, "127.")
}

func isRoot(user string) bool {
	u, _, _ := strings.Cut(strings.TrimSpace(user), ":")
	return u == "" || u == "root" || u == "0"
}

// dangerousCaps are the capabilities that amount to (or easily lead to) host root.
var dangerousCapNames = []string{"ALL", "SYS_ADMIN", "SYS_MODULE", "SYS_PTRACE", "SYS_RAWIO", "SYS_BOOT",
	"SYS_TIME", "NET_ADMIN", "DAC_READ_SEARCH", "DAC_OVERRIDE", "BPF", "PERFMON", "MAC_ADMIN", "MAC_OVERRIDE", "SETFCAP"}

func dangerousCaps(caps []string) []string {
	var out []string
	for _, c := range caps {
		name := strings.TrimPrefix(strings.ToUpper(c), "CAP_")
		if contains(dangerousCapNames, name) {
			out = append(out, name)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(strings.TrimPrefix(strings.ToUpper(x), "CAP_"), s) {
			return true
		}
	}
	return false
}
