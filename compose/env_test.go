package compose_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// composeVars returns the variables a compose file interpolates (${X}, ${X:-d}, $X), leaving
// out $$-escaped ones, which reach the container's shell unexpanded.
func composeVars(t *testing.T, file string) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.Split(string(data), "\n") {
		// Comments are not interpolated (the usage notes show shell variables).
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			kept = append(kept, line)
		}
	}
	text := strings.ReplaceAll(strings.Join(kept, "\n"), "$$", "")
	vars := map[string]bool{}
	for _, m := range regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`).FindAllStringSubmatch(text, -1) {
		vars[m[1]] = true
	}
	return vars
}

// isSecretName reports whether an env variable's name says it holds a secret.
func isSecretName(key string) bool {
	for _, w := range []string{"PASSWORD", "SECRET", "TOKEN", "API_KEY", "ENCRYPTION_KEY"} {
		if strings.Contains(key, w) {
			return true
		}
	}
	return false
}

// checkEnvExample checks the rules every env example follows: each variable has a comment
// just above it, appears once, and a secret is a change-me placeholder, never a value.
func checkEnvExample(t *testing.T, path string) []envLine {
	t.Helper()
	lines := readEnvFile(t, path)
	seen := map[string]bool{}
	for _, l := range lines {
		if l.Comment == "" {
			t.Errorf("%s:%d: %s has no comment above it saying what it is", path, l.Line, l.Key)
		}
		if seen[l.Key] {
			t.Errorf("%s:%d: %s is set twice", path, l.Line, l.Key)
		}
		seen[l.Key] = true
		if isSecretName(l.Key) && !strings.HasPrefix(l.Value, "change-me") {
			t.Errorf("%s:%d: %s=%q looks like a real secret; use a change-me placeholder", path, l.Line, l.Key, l.Value)
		}
		if strings.ContainsAny(l.Value, `"'`) {
			t.Errorf("%s:%d: %s has quotes, which docker-compose 1.29 and Compose v2 read differently", path, l.Line, l.Key)
		}
	}
	return lines
}

func TestRootEnvExampleDeclaresExactlyWhatTheFilesUse(t *testing.T) {
	declared := map[string]bool{}
	for _, l := range checkEnvExample(t, rootEnvExample) {
		declared[l.Key] = true
	}
	used := map[string]bool{}
	for _, f := range []string{productionFile, loggingFile} {
		for v := range composeVars(t, f) {
			used[v] = true
			if !declared[v] {
				t.Errorf("%s uses ${%s}, which %s does not declare", f, v, rootEnvExample)
			}
		}
	}
	for _, k := range sortedKeys(declared) {
		// Compose itself reads COMPOSE_PROJECT_NAME; every other variable must be used.
		if !used[k] && k != "COMPOSE_PROJECT_NAME" {
			t.Errorf("%s declares %s, which no compose file uses", rootEnvExample, k)
		}
	}
}

func TestServiceEnvExamples(t *testing.T) {
	p := mustLoad(t, stage(t), productionFile)
	dirs, err := filepath.Glob("services/*")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range dirs {
		names = append(names, filepath.Base(d))
	}
	if want := sortedKeys(appPorts); !slices.Equal(names, want) {
		t.Errorf("services/ holds %v, want one directory per app service %v", names, want)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			lines := checkEnvExample(t, filepath.Join("services", name, ".env.production.example"))
			if len(lines) == 0 {
				t.Fatal("no variable")
			}
			svc, ok := p.Services[name]
			if !ok {
				t.Fatalf("no service %s in %s", name, productionFile)
			}
			for _, l := range lines {
				// The compose file sets the shared variables; an env file repeating one would
				// silently lose to it.
				if _, shared := map[string]bool{"NODE_ENV": true, "PORT": true, "SERVICE_NAME": true, "LOG_LEVEL": true,
					"MONGODB_URI": true, "REDIS_URL": true, "KAFKA_BROKERS": true}[l.Key]; shared {
					t.Errorf("%s is set by %s; remove it from the service's env file", l.Key, productionFile)
				}
				if v := svc.Environment[l.Key]; v == nil || *v != l.Value {
					t.Errorf("%s from the env file did not reach the service's environment (got %v)", l.Key, v)
				}
			}
		})
	}
}

func TestGitignoreKeepsFilledEnvFilesOut(t *testing.T) {
	data, err := os.ReadFile(".gitignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{".env.production", "services/*/.env.production"} {
		if !slices.Contains(strings.Split(string(data), "\n"), want) {
			t.Errorf("compose/.gitignore does not ignore %s", want)
		}
	}
}
