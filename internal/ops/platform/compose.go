// Package platform knows what the Survey Platform should look like (its compose files) and
// what it looks like now (the engine's containers), and merges the two into a Topology.
package platform

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// ServiceSpec is what a compose file declares about one service, reduced to what the console
// shows and checks.
type ServiceSpec struct {
	Name        string
	Image       string
	Role        Role
	Healthcheck *Healthcheck
	// CPULimit is in cores (0.5 = half a core); MemLimit in bytes; 0 means no limit.
	CPULimit float64
	MemLimit int64
	// Restart is the restart policy ("unless-stopped", "on-failure"...).
	Restart string
	// Volumes are the named volumes the service mounts, by their compose name.
	Volumes []VolumeMount
	Ports   []Port
	// DependsOn lists the services it depends on.
	DependsOn []string
	// Raw is compose-go's full view of the service, for checks that need more.
	Raw types.ServiceConfig `json:"-"`
}

// Healthcheck is a declared Docker healthcheck.
type Healthcheck struct {
	Test     []string
	Interval time.Duration
	Disabled bool
}

// VolumeMount is a named volume mounted by a service.
type VolumeMount struct {
	Volume   string
	Target   string
	ReadOnly bool
}

// Port is a published port.
type Port struct {
	HostIP    string
	Published string
	Target    uint32
	Protocol  string
}

// Declared is the parsed compose project.
type Declared struct {
	Project string
	Files   []string
	// Services in file order is not kept by compose-go, so they are sorted by role then name.
	Services []ServiceSpec
	// Volumes maps the compose volume name to the engine's name (project_name unless external
	// or named explicitly).
	Volumes map[string]string
	Raw     *types.Project `json:"-"`
}

// Service returns the declared service by name.
func (d *Declared) Service(name string) (ServiceSpec, bool) {
	for _, s := range d.Services {
		if s.Name == name {
			return s, true
		}
	}
	return ServiceSpec{}, false
}

// LoadOptions say which files to read and how to name the project.
type LoadOptions struct {
	Files []string
	// Project overrides the project name; empty means as Compose decides (name: in the file,
	// COMPOSE_PROJECT_NAME, else the directory of the first file).
	Project string
	// Env adds variables for interpolation on top of the process environment.
	Env []string
	// SkipValidation skips the Compose schema check (about 30 ms of compiling the schema):
	// for a console that wants its first screen fast and validates in the background.
	SkipValidation bool
	// EnvFiles are read for interpolation (as `docker compose --env-file`). Empty means the
	// .env and .env.production beside the first compose file, where they exist.
	EnvFiles []string
}

// defaultEnvFiles are the env files Compose users keep beside the file: .env (Compose's own
// default) and .env.production (the platform's).
func defaultEnvFiles(composeFile string) []string {
	var out []string
	for _, name := range []string{".env", ".env.production"} {
		p := filepath.Join(filepath.Dir(composeFile), name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			out = append(out, p)
		}
	}
	return out
}

// ComposeError is a compose file that cannot be used, with the file, line (when the parser
// says one) and reason.
type ComposeError struct {
	File   string
	Line   int
	Reason string
	// Hint says what to do; empty means the generic advice.
	Hint string
}

func (e *ComposeError) Error() string {
	where := e.File
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	hint := e.Hint
	if hint == "" {
		hint = "fix the file or point --compose at another"
	}
	return fmt.Sprintf("compose file %s: %s; %s", where, e.Reason, hint)
}

// lineRE finds "line 3, column 4: " (yaml) or "line 3: " positions in a parser message.
var lineRE = regexp.MustCompile(`line (\d+)(?:, column \d+)?:\s*`)

// Load parses the compose files with compose-go, the reference implementation of the Compose
// Specification, and returns the declared services.
func Load(ctx context.Context, opts LoadOptions) (*Declared, error) {
	if len(opts.Files) == 0 {
		return nil, errors.New("no compose file given; pass --compose FILE or run from the directory that holds docker-compose.production.yml")
	}
	for _, f := range opts.Files {
		if _, err := os.Stat(f); err != nil {
			return nil, &ComposeError{File: f, Reason: "cannot read it (" + unwrapPathError(err) + ")"}
		}
	}
	envFiles := opts.EnvFiles
	if len(envFiles) == 0 {
		envFiles = defaultEnvFiles(opts.Files[0])
	}
	for _, f := range envFiles {
		if _, err := os.Stat(f); err != nil {
			return nil, &ComposeError{File: f, Reason: "env file cannot be read (" + unwrapPathError(err) + ")"}
		}
	}
	popts := []cli.ProjectOptionsFn{
		cli.WithWorkingDirectory(filepath.Dir(opts.Files[0])),
		cli.WithOsEnv, cli.WithEnv(opts.Env), cli.WithEnvFiles(envFiles...), cli.WithDotEnv,
		// The console needs what the file declares, not the services' own env_file secrets:
		// leaving them unresolved means it never reads them, and works where they are absent.
		cli.WithoutEnvironmentResolution,
	}
	if opts.Project != "" {
		popts = append(popts, cli.WithName(opts.Project))
	}
	if opts.SkipValidation {
		popts = append(popts, cli.WithLoadOptions(func(o *loader.Options) { o.SkipValidation = true }))
	}
	po, err := cli.NewProjectOptions(opts.Files, popts...)
	if err != nil {
		return nil, composeError(opts.Files, err)
	}
	proj, err := po.LoadProject(ctx)
	if err != nil {
		return nil, composeError(opts.Files, err)
	}
	return fromProject(proj, opts.Files), nil
}

func unwrapPathError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// composeError finds the file and line in compose-go's message, which names them in varying
// forms ("yaml: line 3: ...", "validating FILE: ...", "service x depends on undefined y").
func composeError(files []string, err error) error {
	msg := strings.TrimSpace(err.Error())
	ce := &ComposeError{File: files[0]}
	for _, f := range files {
		if strings.Contains(msg, f) || strings.Contains(msg, filepath.Base(f)) {
			ce.File = f
		}
	}
	// The last position is the error's own; earlier ones are context ("while parsing a block
	// mapping at line 2...").
	if all := lineRE.FindAllStringSubmatchIndex(msg, -1); all != nil {
		m := all[len(all)-1]
		fmt.Sscanf(msg[m[2]:m[3]], "%d", &ce.Line)
		msg = msg[m[1]:]
	}
	for _, f := range files {
		if abs, err := filepath.Abs(f); err == nil {
			msg = strings.ReplaceAll(msg, "failed to parse "+abs+": ", "")
			msg = strings.ReplaceAll(msg, abs+": ", "")
		}
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	msg = strings.TrimSuffix(msg, ": invalid compose project")
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	ce.Reason = msg
	if strings.Contains(msg, "interpolating") || strings.Contains(msg, "required variable") {
		ce.Hint = "set the variable in the environment or pass --env-file FILE (default: .env and .env.production beside the compose file)"
	}
	return ce
}

func fromProject(p *types.Project, files []string) *Declared {
	d := &Declared{Project: p.Name, Files: files, Volumes: map[string]string{}, Raw: p}
	for name, v := range p.Volumes {
		engineName := v.Name
		if engineName == "" {
			engineName = p.Name + "_" + name
		}
		d.Volumes[name] = engineName
	}
	for _, s := range p.Services {
		d.Services = append(d.Services, specFrom(s))
	}
	sort.Slice(d.Services, func(i, j int) bool {
		a, b := d.Services[i], d.Services[j]
		if a.Role != b.Role {
			return a.Role.order() < b.Role.order()
		}
		return a.Name < b.Name
	})
	return d
}

func specFrom(s types.ServiceConfig) ServiceSpec {
	spec := ServiceSpec{Name: s.Name, Image: s.Image, Restart: s.Restart, Raw: s}
	spec.Role = ClassifyRole(s.Name, s.Image, s.Labels)
	if hc := s.HealthCheck; hc != nil {
		h := &Healthcheck{Test: hc.Test, Disabled: hc.Disable || (len(hc.Test) > 0 && hc.Test[0] == "NONE")}
		if hc.Interval != nil {
			h.Interval = time.Duration(*hc.Interval)
		}
		spec.Healthcheck = h
	}
	spec.CPULimit = float64(s.CPUS)
	spec.MemLimit = int64(s.MemLimit)
	if s.Deploy != nil {
		if l := s.Deploy.Resources.Limits; l != nil {
			if l.NanoCPUs > 0 {
				spec.CPULimit = float64(l.NanoCPUs)
			}
			if l.MemoryBytes > 0 {
				spec.MemLimit = int64(l.MemoryBytes)
			}
		}
		if spec.Restart == "" && s.Deploy.RestartPolicy != nil {
			spec.Restart = s.Deploy.RestartPolicy.Condition
		}
	}
	for _, v := range s.Volumes {
		if v.Type == types.VolumeTypeVolume && v.Source != "" {
			spec.Volumes = append(spec.Volumes, VolumeMount{Volume: v.Source, Target: v.Target, ReadOnly: v.ReadOnly})
		}
	}
	for _, p := range s.Ports {
		spec.Ports = append(spec.Ports, Port{HostIP: p.HostIP, Published: p.Published, Target: p.Target, Protocol: p.Protocol})
	}
	for dep := range s.DependsOn {
		spec.DependsOn = append(spec.DependsOn, dep)
	}
	sort.Strings(spec.DependsOn)
	return spec
}
