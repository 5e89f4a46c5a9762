package backup

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// printable escapes control characters and invalid UTF-8: names inside an archive or a dump
// (entries, databases, collections, volumes) come from files that may be hostile, and error
// messages carrying them end up on terminals.
func printable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// printableError is an error whose message was made printable; the original stays reachable
// through errors.Is and errors.As.
type printableError struct {
	msg string
	err error
}

func (e *printableError) Error() string { return e.msg }
func (e *printableError) Unwrap() error { return e.err }

func sanitizeErr(err error) error {
	if err == nil {
		return nil
	}
	if msg := printable(err.Error()); msg != err.Error() {
		return &printableError{msg: msg, err: err}
	}
	return err
}
