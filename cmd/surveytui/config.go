package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v4"
)

// The precedence of settings: a flag given on the command line, then SURVEYTUI_<FLAG> from the
// environment, then the config file, then the flag's default. Every flag of every command takes
// part, so a setting such as --mongo-uri or --backup-dir can live in the file too; sections
// that are not flags (thresholds, keys, logs) are read by their own packages from fileConfig.

// fileConfig is the parsed config file: top-level keys named like the flags (dashes or
// underscores), plus nested sections.
type fileConfig map[string]any

// defaultConfigPath is $XDG_CONFIG_HOME/surveytui/config.yaml (~/.config when unset).
func defaultConfigPath() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "surveytui", "config.yaml")
}

// loadConfigFile reads the file; a missing default file is fine, a missing explicit one or a
// malformed one is an error that names the file.
func loadConfigFile(path string, explicit bool) (fileConfig, error) {
	if path == "" {
		return fileConfig{}, nil
	}
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) && !explicit {
		return fileConfig{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read config file %s: %v; fix --config or SURVEYTUI_CONFIG", path, err)
	}
	cfg := fileConfig{}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("config file %s is not valid YAML: %s", path, oneLine(err.Error()))
	}
	normalized := fileConfig{}
	for k, v := range cfg {
		normalized[strings.ReplaceAll(k, "_", "-")] = v
	}
	return normalized, nil
}

// applyLayers fills every flag the user did not give from the environment, then the file.
func applyLayers(flags *pflag.FlagSet, cfg fileConfig) error {
	var errs []string
	flags.VisitAll(func(f *pflag.Flag) {
		if f.Changed || f.Name == "help" {
			return
		}
		env := "SURVEYTUI_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Sprintf("%s=%q: %v", env, v, err))
			}
			f.Changed = true
			return
		}
		v, ok := cfg[f.Name]
		if !ok {
			return
		}
		for _, s := range scalarStrings(v) {
			if err := f.Value.Set(s); err != nil {
				errs = append(errs, fmt.Sprintf("config key %q: %v", f.Name, err))
			}
		}
		f.Changed = true
	})
	if len(errs) > 0 {
		sort.Strings(errs)
		return fmt.Errorf("bad setting: %s", strings.Join(errs, "; "))
	}
	return nil
}

func scalarStrings(v any) []string {
	switch t := v.(type) {
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			out = append(out, fmt.Sprint(x))
		}
		return out
	case nil:
		return nil
	}
	return []string{fmt.Sprint(v)}
}

// section decodes a nested section of the config file (e.g. "thresholds") into out.
func (c fileConfig) section(name string, out any) error {
	v, ok := c[name]
	if !ok {
		return nil
	}
	data, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(data, out); err != nil {
		return fmt.Errorf("config section %q: %s", name, oneLine(err.Error()))
	}
	return nil
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// isUsageError tells cobra's flag and argument errors apart from operational ones.
func isUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown flag", "unknown command", "unknown shorthand", "accepts ", "requires at least", "invalid argument", "flag needs an argument", "bad setting"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
