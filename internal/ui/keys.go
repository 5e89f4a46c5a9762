package ui

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
)

// KeyMap holds every binding. Bindings that change the platform are listed in dangerous and
// disabled under --read-only; the README's key table is generated from this map.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	NextPane, PrevPane, Enter, Back         key.Binding
	Filter, Command, Help, Quit             key.Binding
	Sort, Reverse, Logs, RefreshVolumes     key.Binding
	Restart, Backup, Scan                   key.Binding

	// Logs pane.
	FilterCID, Trace, Wrap, Timestamps, SaveLogs, Mouse key.Binding
	// Scan pane.
	SeverityFilter key.Binding
	// Backups pane.
	Restore, ReloadBackups key.Binding
}

// DefaultKeyMap is the conventions users know from k9s and lazydocker.
func DefaultKeyMap() KeyMap {
	b := func(help string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(strings.Join(keys, "/"), help))
	}
	return KeyMap{
		Up:             b("up", "k", "up"),
		Down:           b("down", "j", "down"),
		PageUp:         b("page up", "pgup", "ctrl+u"),
		PageDown:       b("page down", "pgdown", "ctrl+d"),
		Top:            b("top", "g", "home"),
		Bottom:         b("bottom", "G", "end"),
		NextPane:       b("next pane", "tab"),
		PrevPane:       b("previous pane", "shift+tab"),
		Enter:          b("details", "enter"),
		Back:           b("back", "esc"),
		Filter:         b("filter", "/"),
		Command:        b("command", ":"),
		Help:           b("help", "?"),
		Quit:           b("quit", "q", "ctrl+c"),
		Sort:           b("order by next column", "o"),
		Reverse:        b("reverse order", "O"),
		Logs:           b("logs of service", "l"),
		RefreshVolumes: b("measure volumes now", "v"),
		Restart:        b("restart service", "r"),
		Backup:         b("take a backup", "b"),
		Scan:           b("security scan", "s"),

		FilterCID:      b("filter by this line's correlation ID", "c"),
		Trace:          b("trace view of this line's request", "T"),
		Wrap:           b("wrap long lines", "w"),
		Timestamps:     b("show timestamps", "t"),
		SaveLogs:       b("save visible lines to a file", "ctrl+s"),
		Mouse:          b("mouse capture on/off (off: select text)", "m"),
		SeverityFilter: b("minimum severity", "f"),
		Restore:        b("restore the selected archive", "R"),
		ReloadBackups:  b("reload the list", "ctrl+r"),
	}
}

// dangerous are the bindings that change the platform.
func (k *KeyMap) dangerous() map[string]*key.Binding {
	return map[string]*key.Binding{"restart": &k.Restart, "backup": &k.Backup, "restore": &k.Restore}
}

// byName maps config-file names to bindings, for remapping.
func (k *KeyMap) byName() map[string]*key.Binding {
	m := map[string]*key.Binding{
		"up": &k.Up, "down": &k.Down, "page_up": &k.PageUp, "page_down": &k.PageDown, "top": &k.Top,
		"bottom": &k.Bottom, "next_pane": &k.NextPane, "prev_pane": &k.PrevPane, "enter": &k.Enter,
		"back": &k.Back, "filter": &k.Filter, "command": &k.Command, "help": &k.Help, "quit": &k.Quit,
		"sort": &k.Sort, "reverse": &k.Reverse, "logs": &k.Logs, "refresh_volumes": &k.RefreshVolumes,
		"scan": &k.Scan, "filter_cid": &k.FilterCID, "trace": &k.Trace, "wrap": &k.Wrap,
		"timestamps": &k.Timestamps, "save_logs": &k.SaveLogs, "mouse": &k.Mouse,
		"severity_filter": &k.SeverityFilter, "reload_backups": &k.ReloadBackups,
	}
	for n, b := range k.dangerous() {
		m[n] = b
	}
	return m
}

// Remap applies the config file's `keys:` section (name: [keys...]). Unknown names are an
// error that lists the known ones.
func (k *KeyMap) Remap(overrides map[string][]string) error {
	names := k.byName()
	for name, keys := range overrides {
		b, ok := names[name]
		if !ok {
			known := make([]string, 0, len(names))
			for n := range names {
				known = append(known, n)
			}
			sort.Strings(known)
			return fmt.Errorf("unknown key binding %q in config; known: %s", name, strings.Join(known, ", "))
		}
		if len(keys) == 0 {
			return fmt.Errorf("key binding %q has no keys", name)
		}
		b.SetKeys(keys...)
		b.SetHelp(strings.Join(keys, "/"), b.Help().Desc)
	}
	return nil
}

// SetReadOnly disables every dangerous binding.
func (k *KeyMap) SetReadOnly() {
	for _, b := range k.dangerous() {
		b.SetEnabled(false)
	}
}

// disabledAction names the dangerous action a key would trigger if --read-only had not
// disabled it ("" when none), so the UI can say why nothing happened.
func (k *KeyMap) disabledAction(pressed string) string {
	for name, b := range k.dangerous() {
		if b.Enabled() {
			continue
		}
		for _, key := range b.Keys() {
			if key == pressed {
				return name
			}
		}
	}
	return ""
}

// IsDangerous says whether a binding (by config name) changes the platform.
func (k *KeyMap) IsDangerous(name string) bool {
	_, ok := k.dangerous()[name]
	return ok
}

// MarkdownTable renders the key map for the README: name, keys, what it does, dangerous.
func (k KeyMap) MarkdownTable() string {
	names := k.byName()
	order := make([]string, 0, len(names))
	for n := range names {
		order = append(order, n)
	}
	sort.Strings(order)
	var sb strings.Builder
	sb.WriteString("| action | keys | what it does | changes the platform |\n| --- | --- | --- | --- |\n")
	for _, n := range order {
		b := names[n]
		danger := ""
		if k.IsDangerous(n) {
			danger = "yes (off under --read-only)"
		}
		keys := make([]string, 0, len(b.Keys()))
		for _, key := range b.Keys() {
			keys = append(keys, "`"+key+"`")
		}
		fmt.Fprintf(&sb, "| %s | %s | %s | %s |\n", n, strings.Join(keys, " "), b.Help().Desc, danger)
	}
	return sb.String()
}
