package backup

import "github.com/survey-platform/surveytui/internal/logs"

// printable escapes control characters and invalid UTF-8 (logs.Sanitize): names inside an
// archive or a dump (entries, databases, collections, volumes) come from files that may be
// hostile, and error messages carrying them end up on terminals.
func printable(s string) string { return logs.Sanitize(s) }

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
