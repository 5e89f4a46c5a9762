package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
)

// dialog is one layer of the dialog stack. The front dialog gets every key first; it returns
// itself (or nil when it closes) and the command its choice starts.
type dialog interface {
	Update(msg tea.KeyPressMsg) (dialog, tea.Cmd)
	View(st Styles, width int) string
}

// confirmDialog asks yes or no; No is the default, and enter alone cancels. When phrase is set
// the user must type it (the target's name) before y/enter confirms: for destructive actions.
type confirmDialog struct {
	title, body string
	phrase      string
	typed       string
	onYes       tea.Cmd
}

func (d *confirmDialog) Update(msg tea.KeyPressMsg) (dialog, tea.Cmd) {
	switch msg.String() {
	case "esc", "ctrl+c", "n", "N":
		if d.phrase == "" || msg.String() == "esc" || msg.String() == "ctrl+c" {
			return nil, setStatus(levelInfo, "cancelled")
		}
	case "enter":
		if d.phrase != "" && d.typed == d.phrase {
			return nil, d.onYes
		}
		return nil, setStatus(levelInfo, "cancelled")
	case "y", "Y":
		if d.phrase == "" {
			return nil, d.onYes
		}
	case "backspace":
		if d.phrase != "" && len(d.typed) > 0 {
			d.typed = d.typed[:len(d.typed)-1]
		}
		return d, nil
	}
	if d.phrase != "" {
		if t := msg.Key().Text; t != "" {
			d.typed += t
		}
	}
	return d, nil
}

func (d *confirmDialog) View(st Styles, width int) string {
	var b strings.Builder
	b.WriteString(st.DialogTitle.Render(d.title) + "\n\n" + d.body + "\n\n")
	if d.phrase != "" {
		b.WriteString("Type " + st.Warn.Render(d.phrase) + " and press enter to confirm (esc cancels):\n> " + clean(d.typed) + "█")
	} else {
		b.WriteString(st.Muted.Render("y confirm · n/esc/enter cancel (cancel is the default)"))
	}
	return st.Dialog.Width(min(width-4, 72)).Render(b.String())
}
