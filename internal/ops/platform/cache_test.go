package platform

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// withoutRaw is what the cache keeps of a fresh load.
func withoutRaw(d *Declared) *Declared {
	c := *d
	c.Raw = nil
	c.Services = append([]ServiceSpec(nil), d.Services...)
	for i := range c.Services {
		c.Services[i].Raw = types.ServiceConfig{}
	}
	return &c
}

// cacheFixture copies the stand-ins compose file and an env file into a fresh directory.
func cacheFixture(t *testing.T) (file, envFile, cacheDir string) {
	t.Helper()
	dir := t.TempDir()
	b, err := os.ReadFile("testdata/standins.yml")
	if err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(dir, "docker-compose.yml")
	envFile = filepath.Join(dir, ".env")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(envFile, []byte("UNUSED=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return file, envFile, filepath.Join(dir, "cache")
}

func TestCachedLoadHitsWithTheSameModelAsAFreshLoad(t *testing.T) {
	file, _, cache := cacheFixture(t)
	t.Setenv("STANDIN_IMAGE", "stand-in:test")
	ctx := context.Background()
	opts := LoadOptions{Files: []string{file}, Project: "cachetest", SkipValidation: true}
	fresh, err := Load(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	first, hit, err := CachedLoad(ctx, opts, cache, "v1")
	if err != nil || hit {
		t.Fatalf("first load: hit=%v err=%v, want a miss", hit, err)
	}
	second, hit, err := CachedLoad(ctx, opts, cache, "v1")
	if err != nil || !hit {
		t.Fatalf("second load: hit=%v err=%v, want a hit", hit, err)
	}
	if !reflect.DeepEqual(withoutRaw(fresh), withoutRaw(first)) || !reflect.DeepEqual(withoutRaw(fresh), second) {
		t.Fatalf("cached model differs from a fresh load:\nfresh  %+v\ncached %+v", withoutRaw(fresh), second)
	}
	if len(second.Services) == 0 || second.Services[0].Image == "" {
		t.Fatalf("cached model lost the services: %+v", second.Services)
	}
	// Nothing of compose-go's full model (environment values) is on disk.
	entries, _ := os.ReadDir(cache)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(cache, e.Name()))
		if info, _ := e.Info(); info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", e.Name(), info.Mode().Perm())
		}
		if len(b) == 0 || bytes.Contains(b, []byte("Environment")) {
			t.Errorf("%s holds compose-go's raw model: %.200s", e.Name(), b)
		}
	}
}

// Every input of a load is part of the key: changing any one misses.
func TestCachedLoadMissesWhenAnInputChanges(t *testing.T) {
	ctx := context.Background()
	changes := map[string]func(t *testing.T, file, envFile string, opts *LoadOptions, version *string){
		"compose file": func(t *testing.T, file, _ string, _ *LoadOptions, _ *string) { appendTo(t, file, "# edited\n") },
		"env file":     func(t *testing.T, _, envFile string, _ *LoadOptions, _ *string) { appendTo(t, envFile, "OTHER=2\n") },
		"environment":  func(t *testing.T, _, _ string, _ *LoadOptions, _ *string) { t.Setenv("STANDIN_IMAGE", "other:tag") },
		"project":      func(_ *testing.T, _, _ string, o *LoadOptions, _ *string) { o.Project = "another" },
		"extra env":    func(_ *testing.T, _, _ string, o *LoadOptions, _ *string) { o.Env = []string{"STANDIN_IMAGE=x:1"} },
		"COMPOSE_*":    func(t *testing.T, _, _ string, _ *LoadOptions, _ *string) { t.Setenv("COMPOSE_PROFILES", "debug") },
		"variable named in the env file": func(t *testing.T, _, envFile string, _ *LoadOptions, _ *string) {
			appendTo(t, envFile, "DERIVED=${BASE_TAG}\n")
			t.Setenv("BASE_TAG", "7")
		},
		"build version": func(_ *testing.T, _, _ string, _ *LoadOptions, v *string) { *v = "v2" },
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			file, envFile, cache := cacheFixture(t)
			t.Setenv("STANDIN_IMAGE", "stand-in:test")
			opts := LoadOptions{Files: []string{file}, Project: "cachetest", SkipValidation: true}
			version := "v1"
			if _, _, err := CachedLoad(ctx, opts, cache, version); err != nil {
				t.Fatal(err)
			}
			change(t, file, envFile, &opts, &version)
			d, hit, err := CachedLoad(ctx, opts, cache, version)
			if err != nil || hit {
				t.Fatalf("after changing the %s: hit=%v err=%v, want a miss", name, hit, err)
			}
			if name == "environment" && !anyImage(d, "other:tag") {
				t.Errorf("interpolation did not see the new value: %+v", d.Services)
			}
		})
	}
}

func anyImage(d *Declared, image string) bool {
	for _, s := range d.Services {
		if s.Image == image {
			return true
		}
	}
	return false
}

func appendTo(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// A variable no file reads (a new SSH login's SSH_CONNECTION, TMUX...) does not miss.
func TestCachedLoadIgnoresVariablesNothingReads(t *testing.T) {
	file, _, cache := cacheFixture(t)
	t.Setenv("STANDIN_IMAGE", "stand-in:test")
	t.Setenv("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22")
	opts := LoadOptions{Files: []string{file}, Project: "cachetest", SkipValidation: true}
	if _, _, err := CachedLoad(context.Background(), opts, cache, "v1"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSH_CONNECTION", "10.0.0.9 51111 10.0.0.2 22")
	t.Setenv("TMUX", "/tmp/tmux-0/other,123,0")
	if _, hit, err := CachedLoad(context.Background(), opts, cache, "v1"); err != nil || !hit {
		t.Fatalf("hit=%v err=%v after changing variables no file reads, want a hit", hit, err)
	}
}

func TestCachedLoadNeverCachesFilesThatPullInOthers(t *testing.T) {
	file, _, cache := cacheFixture(t)
	t.Setenv("STANDIN_IMAGE", "stand-in:test")
	dir := filepath.Dir(file)
	other := filepath.Join(dir, "other.yml")
	if err := os.WriteFile(other, []byte("services:\n  extra:\n    image: extra:1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	top := filepath.Join(dir, "top.yml")
	if err := os.WriteFile(top, []byte("include:\n  - other.yml\nservices:\n  main:\n    image: main:1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := LoadOptions{Files: []string{top}, Project: "inc", SkipValidation: true}
	for i := 0; i < 2; i++ {
		d, hit, err := CachedLoad(context.Background(), opts, cache, "v1")
		if err != nil || hit {
			t.Fatalf("round %d: hit=%v err=%v, want a fresh load every time", i, hit, err)
		}
		if !anyImage(d, "extra:1") {
			t.Fatalf("the included file's service is missing: %+v", d.Services)
		}
	}
}

func TestCachedLoadReplacesACorruptEntryAndPrunes(t *testing.T) {
	file, _, cache := cacheFixture(t)
	t.Setenv("STANDIN_IMAGE", "stand-in:test")
	ctx := context.Background()
	opts := LoadOptions{Files: []string{file}, Project: "cachetest", SkipValidation: true}
	if _, _, err := CachedLoad(ctx, opts, cache, "v1"); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(cache)
	if len(entries) != 1 {
		t.Fatalf("%d cache entries, want 1", len(entries))
	}
	entry := filepath.Join(cache, entries[0].Name())
	for _, garbage := range []string{"{not json", `{"Format":1,"Declared":{"Project":""}}`, `{"Format":99,"Declared":{"Project":"x"}}`} {
		if err := os.WriteFile(entry, []byte(garbage), 0o600); err != nil {
			t.Fatal(err)
		}
		d, hit, err := CachedLoad(ctx, opts, cache, "v1")
		if err != nil || hit || d.Project != "cachetest" {
			t.Fatalf("corrupt entry %q: hit=%v err=%v project=%q, want a fresh load", garbage, hit, err, d.Project)
		}
		if _, hit, _ := CachedLoad(ctx, opts, cache, "v1"); !hit {
			t.Fatalf("corrupt entry %q was not replaced", garbage)
		}
	}
	for i := 0; i < cacheKeep+4; i++ {
		if _, _, err := CachedLoad(ctx, opts, cache, fmt.Sprintf("build-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if entries, _ := os.ReadDir(cache); len(entries) != cacheKeep {
		t.Errorf("%d cache entries after %d builds, want the %d newest", len(entries), cacheKeep+5, cacheKeep)
	}
}
