package ui

import (
	"fmt"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// commandLine is the `:` prompt, as in k9s and vim: `:logs`, `:volumes`, `:restart redis`, `:q`.
type commandLine struct {
	text string
}

func (a *App) commandKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc", "ctrl+c":
		a.command = nil
	case "enter":
		text := strings.TrimSpace(a.command.text)
		a.command = nil
		return a.runCommand(text)
	case "backspace":
		if t := a.command.text; t != "" {
			a.command.text = t[:len(t)-1]
		}
	case "tab":
		a.command.text = a.complete(a.command.text)
	default:
		a.command.text += msg.Key().Text
	}
	return nil
}

// commands maps names to pane focus; panes add their titles.
func (a *App) commands() map[string]focus {
	m := map[string]focus{"services": focusServices, "svc": focusServices, "volumes": focusVolumes, "vol": focusVolumes}
	for i, p := range a.panes {
		m[strings.ToLower(p.Title())] = builtinPanes + focus(i)
	}
	return m
}

func (a *App) complete(prefix string) string {
	var names []string
	for n := range a.commands() {
		names = append(names, n)
	}
	names = append(names, "quit", "help", "restart ")
	sort.Strings(names)
	for _, n := range names {
		if strings.HasPrefix(n, prefix) && prefix != "" {
			return n
		}
	}
	return prefix
}

func (a *App) runCommand(text string) tea.Cmd {
	if text == "" {
		return nil
	}
	verb, arg, _ := strings.Cut(text, " ")
	arg = strings.TrimSpace(arg)
	switch verb {
	case "q", "quit", "q!":
		return tea.Quit
	case "help", "h":
		a.showHelp = true
		return nil
	case "restart":
		if !a.keys.Restart.Enabled() {
			return setStatus(levelWarn, "read-only mode: restart is disabled (started with --read-only)")
		}
		if arg == "" {
			return setStatus(levelError, "usage: :restart SERVICE")
		}
		if !a.hasService(arg) {
			return setStatus(levelError, fmt.Sprintf("no service %q in this project", arg))
		}
		a.services.selected, a.focus, a.detail = arg, focusServices, nil
		return a.askRestart()
	case "logs":
		if arg != "" {
			return a.openLogs(arg)
		}
	}
	if f, ok := a.commands()[verb]; ok {
		a.focus, a.detail = f, nil
		return nil
	}
	known := []string{}
	for n := range a.commands() {
		known = append(known, n)
	}
	sort.Strings(known)
	return setStatus(levelError, fmt.Sprintf("unknown command %q; try %s, restart SERVICE, quit", verb, strings.Join(known, ", ")))
}

func (a *App) hasService(name string) bool {
	for _, s := range a.snap.Services {
		if s.Name == name {
			return true
		}
	}
	return false
}

// openLogs brings the logs pane to the front on one service.
func (a *App) openLogs(service string) tea.Cmd {
	for i, p := range a.panes {
		if o, ok := p.(ServiceOpener); ok {
			f := builtinPanes + focus(i)
			a.focus, a.detail = f, nil
			return o.OpenService(service, a.paneContext(f))
		}
	}
	return setStatus(levelWarn, "no logs pane in this build")
}
