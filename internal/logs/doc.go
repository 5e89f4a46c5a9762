// Package logs turns container and Elasticsearch log lines into sanitized,
// normalized entries, keeps them in a bounded buffer, and filters them with a
// small query language compiled once.
//
// # Pipeline
//
// A Source (ESSource, EngineSource, or the ES-to-engine fallback built by
// Open) yields Batch values on a channel: never one message per line, and
// never blocking the producer. Each line goes through Parser.Parse, which
// picks the format from the first bytes (JSON: Winston, ECS, pino, bunyan;
// logfmt; plain text with a level guess), caps the line length, refuses JSON
// nested deeper than 64 levels (the line stays plain text), and sanitizes
// every string it keeps, JSON keys and values included (see Sanitize). The
// caller appends batches to a Buffer, bounded by lines and by bytes, and
// reads it through a compiled Filter.
//
// # Query syntax
//
// A query is a list of terms separated by spaces; an entry must match every
// term. Repeated cid:, svc: and ctr: terms are alternatives (any may match).
//
//	cid:ID            correlation ID equals ID (also correlation:ID)
//	svc:NAME          compose service is NAME; svc:auth* matches a prefix
//	-svc:NAME         service is not NAME
//	ctr:NAME          container name is NAME (prefix with *)
//	level>=warn       minimum level; also level>, level<=, level<, level:error
//	                  (levels: trace debug info warn error fatal; synonyms
//	                  such as warning, err, critical are accepted)
//	since:15m         newer than 15 minutes before the query was compiled;
//	                  also 2h, 1d, 90s, 2026-11-26, 2026-11-26T10:00:00Z
//	until:TIME        older than TIME (same forms)
//	/regex/           RE2 regular expression on the raw line; /regex/i
//	                  ignores case; write \/ for a slash
//	"quoted text"     substring of the raw line, spaces included
//	word              substring of the raw line
//	-word, -"text", -/re/   the line must not contain it
//
// Text terms use smart case: all lower case matches any case, a capital
// letter makes the term exact. A word with a colon whose key is not one of
// the above (http://x, err:timeout) is plain text. Bad queries give a
// one-line error that says how to fix them, e.g.
// `bad regex /(/: missing closing ) ...`.
//
// Example: `cid:abc123 svc:survey-service level>=warn since:15m timeout`.
package logs
