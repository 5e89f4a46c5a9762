package logs

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Filter is a compiled query (see the package documentation for the syntax).
// Compile it once and call Match per entry; Match does not allocate.
type Filter struct {
	src        string
	cids       []string
	services   []pattern
	notSvc     []pattern
	containers []pattern
	minLevel   Level
	maxLevel   Level
	since      time.Time
	until      time.Time
	texts      []textTerm
	regexps    []regexTerm
}

type pattern struct {
	s      string
	prefix bool // trailing '*'
}

func (p pattern) match(s string) bool {
	if p.prefix {
		return strings.HasPrefix(s, p.s)
	}
	return s == p.s
}

type textTerm struct {
	needle string
	fold   bool // case-insensitive (needle is all lower case)
	negate bool
}

type regexTerm struct {
	re     *regexp.Regexp
	negate bool
}

// String returns the query the filter was compiled from.
func (f *Filter) String() string { return f.src }

// IsEmpty reports whether the filter matches everything.
func (f *Filter) IsEmpty() bool {
	return len(f.cids) == 0 && len(f.services) == 0 && len(f.notSvc) == 0 && len(f.containers) == 0 &&
		f.minLevel == LevelUnknown && f.maxLevel == LevelUnknown && f.since.IsZero() && f.until.IsZero() &&
		len(f.texts) == 0 && len(f.regexps) == 0
}

// CorrelationIDs returns the cid: terms (any of which matches), so a source
// can push them down to its backend.
func (f *Filter) CorrelationIDs() []string { return f.cids }

// Services returns the exact svc: names (prefix patterns are left out), for
// push-down.
func (f *Filter) Services() []string {
	var out []string
	for _, p := range f.services {
		if !p.prefix {
			out = append(out, p.s)
		}
	}
	return out
}

// Since returns the lower time bound (zero when none).
func (f *Filter) Since() time.Time { return f.since }

// Until returns the upper time bound (zero when none).
func (f *Filter) Until() time.Time { return f.until }

// MinLevel returns the minimum level (LevelUnknown when none).
func (f *Filter) MinLevel() Level { return f.minLevel }

// Match reports whether e satisfies every term. The cheapest, most selective
// tests run first.
func (f *Filter) Match(e *Entry) bool {
	if len(f.cids) > 0 {
		ok := false
		for _, c := range f.cids {
			if e.CorrelationID == c {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if f.minLevel != LevelUnknown && e.Level < f.minLevel {
		return false
	}
	if f.maxLevel != LevelUnknown && (e.Level > f.maxLevel || e.Level == LevelUnknown) {
		return false
	}
	if !f.since.IsZero() && e.Time.Before(f.since) {
		return false
	}
	if !f.until.IsZero() && e.Time.After(f.until) {
		return false
	}
	if len(f.services) > 0 && !anyMatch(f.services, e.Service) {
		return false
	}
	if len(f.notSvc) > 0 && anyMatch(f.notSvc, e.Service) {
		return false
	}
	if len(f.containers) > 0 && !anyMatch(f.containers, e.Container) {
		return false
	}
	for _, t := range f.texts {
		var found bool
		if t.fold {
			found = containsFold(e.Raw, t.needle)
		} else {
			found = strings.Contains(e.Raw, t.needle)
		}
		if found == t.negate {
			return false
		}
	}
	for _, r := range f.regexps {
		if r.re.MatchString(e.Raw) == r.negate {
			return false
		}
	}
	return true
}

func anyMatch(ps []pattern, s string) bool {
	for _, p := range ps {
		if p.match(s) {
			return true
		}
	}
	return false
}

// containsFold reports whether hay contains needle (already lower case)
// ignoring ASCII case, without allocating. Non-ASCII needles use a
// Unicode-aware slow path.
func containsFold(hay, needle string) bool {
	if len(needle) == 0 {
		return true
	}
	for i := 0; i < len(needle); i++ {
		if needle[i] >= utf8.RuneSelf {
			return strings.Contains(strings.ToLower(hay), needle)
		}
	}
	first := needle[0]
	firstUp := first
	if 'a' <= first && first <= 'z' {
		firstUp = first - 'a' + 'A'
	}
	last := len(hay) - len(needle)
	for i := 0; i <= last; i++ {
		// Jump to the next candidate first byte with IndexByte (SIMD).
		j := strings.IndexByte(hay[i:last+1], first)
		if firstUp != first {
			if k := strings.IndexByte(hay[i:last+1], firstUp); k >= 0 && (j < 0 || k < j) {
				j = k
			}
		}
		if j < 0 {
			return false
		}
		i += j
		if equalFoldASCII(hay[i:i+len(needle)], needle) {
			return true
		}
	}
	return false
}

func equalFoldASCII(s, lower string) bool {
	for i := 0; i < len(lower); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// CompileFilter parses a query. now anchors relative times (since:15m).
// Errors are one line and say how to fix the query.
func CompileFilter(query string, now time.Time) (*Filter, error) {
	f := &Filter{src: query}
	toks, err := tokenize(query)
	if err != nil {
		return nil, queryError(err)
	}
	for _, t := range toks {
		if err := f.add(t, now); err != nil {
			return nil, queryError(err)
		}
	}
	return f, nil
}

// queryError keeps an error that quotes the query on one safe line.
func queryError(err error) error { return errors.New(Sanitize(err.Error())) }

// MustCompileFilter is CompileFilter that panics; for tests and constants.
func MustCompileFilter(query string) *Filter {
	f, err := CompileFilter(query, time.Now())
	if err != nil {
		panic(err)
	}
	return f
}

type tokKind uint8

const (
	tokWord tokKind = iota
	tokQuoted
	tokRegex
)

type token struct {
	kind   tokKind
	text   string
	negate bool
	flags  string // regex flags after the closing slash
}

func tokenize(q string) ([]token, error) {
	var out []token
	i := 0
	for i < len(q) {
		c := q[i]
		if c == ' ' || c == '\t' {
			i++
			continue
		}
		neg := false
		if c == '-' && i+1 < len(q) && q[i+1] != ' ' {
			neg = true
			i++
			c = q[i]
		}
		switch c {
		case '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(q) && q[j] != '"'; j++ {
				if q[j] == '\\' && j+1 < len(q) {
					j++
				}
				b.WriteByte(q[j])
			}
			if j >= len(q) {
				return nil, fmt.Errorf("unterminated quote at column %d: close it with \"", i+1)
			}
			out = append(out, token{kind: tokQuoted, text: b.String(), negate: neg})
			i = j + 1
		case '/':
			var b strings.Builder
			j := i + 1
			for ; j < len(q) && q[j] != '/'; j++ {
				if q[j] == '\\' && j+1 < len(q) && q[j+1] == '/' {
					j++
				}
				b.WriteByte(q[j])
			}
			if j >= len(q) {
				return nil, fmt.Errorf("unterminated regex at column %d: close it with / (write \\/ for a slash)", i+1)
			}
			j++
			fs := j
			for j < len(q) && q[j] != ' ' && q[j] != '\t' {
				j++
			}
			out = append(out, token{kind: tokRegex, text: b.String(), negate: neg, flags: q[fs:j]})
			i = j
		default:
			j := i
			for j < len(q) && q[j] != ' ' && q[j] != '\t' {
				j++
			}
			out = append(out, token{kind: tokWord, text: q[i:j], negate: neg})
			i = j
		}
	}
	return out, nil
}

func (f *Filter) add(t token, now time.Time) error {
	switch t.kind {
	case tokQuoted:
		f.addText(t.text, t.negate)
		return nil
	case tokRegex:
		if t.flags != "" && t.flags != "i" {
			return fmt.Errorf("regex /%s/%s: unknown flag %q (only i is supported)", t.text, t.flags, t.flags)
		}
		expr := t.text
		if t.flags == "i" {
			expr = "(?i)" + expr
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return fmt.Errorf("bad regex /%s/: %s (Go RE2 syntax; quote plain text with \"...\")", t.text, regexReason(err))
		}
		f.regexps = append(f.regexps, regexTerm{re: re, negate: t.negate})
		return nil
	}
	w := t.text
	if lw := strings.ToLower(w); strings.HasPrefix(lw, "level") || strings.HasPrefix(lw, "lvl") {
		if ok, err := f.addLevel(w); ok || err != nil {
			return err
		}
	}
	key, val, hasColon := strings.Cut(w, ":")
	if !hasColon {
		f.addText(w, t.negate)
		return nil
	}
	key = strings.ToLower(key)
	switch key {
	case "cid", "correlation", "correlationid":
		if val == "" {
			return fmt.Errorf("%s: empty correlation ID (write cid:ID)", w)
		}
		if t.negate {
			return fmt.Errorf("-%s: a correlation ID cannot be negated", w)
		}
		f.cids = append(f.cids, val)
	case "svc", "service":
		if val == "" {
			return fmt.Errorf("%s: empty service (write svc:NAME or svc:prefix*)", w)
		}
		if t.negate {
			f.notSvc = append(f.notSvc, toPattern(val))
		} else {
			f.services = append(f.services, toPattern(val))
		}
	case "ctr", "container":
		if val == "" || t.negate {
			return fmt.Errorf("%s: write ctr:NAME or ctr:prefix* (no negation)", w)
		}
		f.containers = append(f.containers, toPattern(val))
	case "since", "until":
		tm, err := parseWhen(val, now)
		if err != nil {
			return fmt.Errorf("%s: %v", w, err)
		}
		if key == "since" {
			f.since = tm
		} else {
			f.until = tm
		}
	default:
		// Not a known key (e.g. "http://x" or "err:timeout"): plain text.
		f.addText(w, t.negate)
	}
	return nil
}

func toPattern(v string) pattern {
	if strings.HasSuffix(v, "*") {
		return pattern{s: strings.TrimSuffix(v, "*"), prefix: true}
	}
	return pattern{s: v}
}

// addLevel handles level:X, level=X, level>=X, level>X, level<=X, level<X.
// ok is false when w is not a level term after all (e.g. the word "levels").
func (f *Filter) addLevel(w string) (bool, error) {
	n := len("lvl")
	if strings.HasPrefix(strings.ToLower(w), "level") {
		n = len("level")
	}
	rest := w[n:]
	var op string
	for _, o := range []string{">=", "<=", ">", "<", ":", "="} {
		if strings.HasPrefix(rest, o) {
			op = o
			break
		}
	}
	if op == "" {
		return false, nil
	}
	name := rest[len(op):]
	l, ok := ParseLevel(name)
	if !ok || l == LevelUnknown {
		return true, fmt.Errorf("%s: unknown level %q (use trace, debug, info, warn, error or fatal)", w, name)
	}
	switch op {
	case ">=":
		f.minLevel = l
	case ">":
		if l == LevelFatal {
			return true, fmt.Errorf("%s: nothing is above fatal (use level>=fatal)", w)
		}
		f.minLevel = l + 1
	case "<=":
		f.maxLevel = l
	case "<":
		if l == LevelTrace {
			return true, fmt.Errorf("%s: nothing is below trace", w)
		}
		f.maxLevel = l - 1
	default:
		f.minLevel, f.maxLevel = l, l
	}
	return true, nil
}

// addText adds a substring term with smart case: all lower case matches
// any case, any upper-case letter makes it exact.
func (f *Filter) addText(s string, negate bool) {
	if s == "" {
		return
	}
	fold := true
	for _, r := range s {
		if unicode.IsUpper(r) {
			fold = false
			break
		}
	}
	f.texts = append(f.texts, textTerm{needle: s, fold: fold, negate: negate})
}

// parseWhen accepts a duration ago (15m, 2h, 1d, 90s), an RFC 3339 time, or
// a date (2006-01-02, UTC).
func parseWhen(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, fmt.Errorf("empty time (write e.g. 15m, 2h, 1d or 2026-11-26T10:00:00Z)")
	}
	if strings.HasSuffix(v, "d") {
		var n int
		if _, err := fmt.Sscanf(v, "%dd", &n); err == nil && n >= 0 && fmt.Sprintf("%dd", n) == v {
			return now.Add(-time.Duration(n) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(v); err == nil {
		if d < 0 {
			d = -d
		}
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad time %q (write e.g. 15m, 2h, 1d or 2026-11-26T10:00:00Z)", v)
}

// regexReason keeps regexp's explanation but drops its repetition of the
// whole expression, so the error stays on one short line.
func regexReason(err error) string {
	if re, ok := err.(*syntax.Error); ok {
		return string(re.Code) + " `" + re.Expr + "`"
	}
	return err.Error()
}
