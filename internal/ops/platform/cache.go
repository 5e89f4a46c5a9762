package platform

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// cacheFormat changes whenever Declared's cached form does, so old entries are never read.
const cacheFormat = 1

// cacheKeep is how many cached models are kept; the oldest beyond it are removed.
const cacheKeep = 16

// A compose file that pulls in others (include:, extends: file:) depends on files the cache
// key does not hash: such files are never cached.
var pullsInOtherFiles = regexp.MustCompile(`(?m)^\s*(include|extends)\s*:`)

// variableRef finds the variables a compose or env file interpolates: $NAME, ${NAME},
// ${NAME:-default} and the rest of Compose's forms, nested ones included ($$NAME, a literal
// dollar, is caught too: a needless key input, never a missing one).
var variableRef = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// CachedLoad returns what Load would, without Raw (compose-go's full model, which holds the
// services' environment values and so is never written to disk): from dir when the inputs are
// byte for byte those of an earlier load, else by loading (opts.SkipValidation as given) and
// caching the result. The inputs hashed are the compose and env files' paths and contents, the
// project name asked for, the working directory, and every environment variable that can
// change the model: those the files interpolate, Compose's own COMPOSE_* settings and HOME
// (~ in paths), from the process environment and opts.Env. Variables nothing reads (SSH_*,
// TMUX, ...) are left out so that a new login still hits. hit says which happened.
// The cache is only a speed-up: an unreadable or corrupt entry is loaded afresh and replaced,
// and a cache that cannot be written is left alone. version names the program build, so a
// new build never reads an old build's entries.
func CachedLoad(ctx context.Context, opts LoadOptions, dir, version string) (d *Declared, hit bool, err error) {
	key, cacheable := cacheKey(opts, version)
	path := filepath.Join(dir, key+".json")
	if cacheable && dir != "" {
		if d, err := readCached(path); err == nil {
			return d, true, nil
		}
	}
	d, err = Load(ctx, opts)
	if err != nil {
		return nil, false, err
	}
	if cacheable && dir != "" {
		_ = writeCached(dir, path, d) // a speed-up only: never fail the load over it
	}
	return d, false, nil
}

// cacheKey hashes every input of a load. ok is false when a file cannot be read (Load will say
// why) or pulls in files the key cannot see.
func cacheKey(opts LoadOptions, version string) (key string, ok bool) {
	if len(opts.Files) == 0 {
		return "", false
	}
	h := sha256.New()
	fmt.Fprintf(h, "format %d\nversion %s\nproject %q\n", cacheFormat, version, opts.Project)
	wd, _ := os.Getwd()
	fmt.Fprintf(h, "wd %q\n", wd)
	names := map[string]bool{"HOME": true}
	envFiles := opts.EnvFiles
	if len(envFiles) == 0 {
		envFiles = defaultEnvFiles(opts.Files[0])
	}
	for _, set := range []struct {
		kind  string
		files []string
	}{{"compose", opts.Files}, {"env", envFiles}} {
		for _, f := range set.files {
			abs, err := filepath.Abs(f)
			if err != nil {
				return "", false
			}
			b, err := os.ReadFile(f)
			if err != nil {
				return "", false
			}
			if set.kind == "compose" && pullsInOtherFiles.Match(b) {
				return "", false
			}
			fmt.Fprintf(h, "%s %q %d\n", set.kind, abs, len(b))
			h.Write(b)
			for _, m := range variableRef.FindAllSubmatch(b, -1) {
				names[string(m[1])] = true
			}
		}
	}
	var env []string
	for _, e := range append(slices.Clone(os.Environ()), opts.Env...) {
		name, _, _ := strings.Cut(e, "=")
		if names[name] || strings.HasPrefix(name, "COMPOSE_") {
			env = append(env, e)
		}
	}
	sort.Strings(env)
	for _, e := range env {
		fmt.Fprintf(h, "env %q\n", e)
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

type cachedModel struct {
	Format   int
	Declared *Declared
}

func readCached(path string) (*Declared, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m cachedModel
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m.Format != cacheFormat || m.Declared == nil || m.Declared.Project == "" {
		return nil, errors.New("not a cached compose model of this format")
	}
	if m.Declared.Volumes == nil {
		m.Declared.Volumes = map[string]string{}
	}
	now := time.Now()
	_ = os.Chtimes(path, now, now) // recently used entries survive pruning
	return m.Declared, nil
}

func writeCached(dir, path string, d *Declared) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(cachedModel{Format: cacheFormat, Declared: d})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".model-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	pruneCache(dir)
	return nil
}

// pruneCache keeps the cacheKeep most recently used entries.
func pruneCache(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type entry struct {
		path string
		mod  int64
	}
	var all []entry
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".json" {
			continue
		}
		if info, err := e.Info(); err == nil {
			all = append(all, entry{filepath.Join(dir, e.Name()), info.ModTime().UnixNano()})
		}
	}
	if len(all) <= cacheKeep {
		return
	}
	sort.Slice(all, func(i, j int) bool { return all[i].mod > all[j].mod })
	for _, e := range all[cacheKeep:] {
		_ = os.Remove(e.path)
	}
}
