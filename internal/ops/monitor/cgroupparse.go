package monitor

import "strconv"

// Parsers of the kernel's cgroup and /proc text files. They work on the sampler's reused
// buffer and do not allocate: a round reads about eight files per container.

// parseUint reads a decimal number, ignoring surrounding white space.
func parseUint(b []byte) (uint64, bool) {
	var v uint64
	seen := false
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			v = v*10 + uint64(c-'0')
			seen = true
		case c == ' ' || c == '\n' || c == '\t':
			if seen {
				return v, true
			}
		default:
			return 0, false
		}
	}
	return v, seen
}

// statValue finds "key value" in a flat-keyed cgroup file (memory.stat, cpu.stat).
func statValue(b []byte, key string) (uint64, bool) {
	for len(b) > 0 {
		line := b
		if i := indexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(line) > len(key) && line[len(key)] == ' ' && string(line[:len(key)]) == key {
			return parseUint(line[len(key)+1:])
		}
	}
	return 0, false
}

func indexByte(b []byte, c byte) int {
	for i := range b {
		if b[i] == c {
			return i
		}
	}
	return -1
}

// fields splits a line on spaces and tabs into dst (reused), without allocating.
func fields(line []byte, dst [][]byte) [][]byte {
	dst = dst[:0]
	start := -1
	for i, c := range line {
		if c == ' ' || c == '\t' {
			if start >= 0 {
				dst = append(dst, line[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		dst = append(dst, line[start:])
	}
	return dst
}

// lines calls fn for every line of b.
func lines(b []byte, fn func(line []byte)) {
	for len(b) > 0 {
		i := indexByte(b, '\n')
		if i < 0 {
			fn(b)
			return
		}
		fn(b[:i])
		b = b[i+1:]
	}
}

// parseBlkioV1 sums "MAJ:MIN Read N" and "MAJ:MIN Write N" over devices (the "Total" lines
// are left out, as the engine does).
func parseBlkioV1(b []byte) (read, write uint64) {
	var f [4][]byte
	lines(b, func(line []byte) {
		fs := fields(line, f[:0])
		if len(fs) != 3 {
			return
		}
		v, ok := parseUint(fs[2])
		if !ok {
			return
		}
		switch string(fs[1]) {
		case "Read":
			read += v
		case "Write":
			write += v
		}
	})
	return read, write
}

// parseIOStatV2 sums rbytes= and wbytes= of io.stat over devices.
func parseIOStatV2(b []byte) (read, write uint64) {
	var f [16][]byte
	lines(b, func(line []byte) {
		for _, kv := range fields(line, f[:0]) {
			if v, ok := cutPrefix(kv, "rbytes="); ok {
				n, _ := parseUint(v)
				read += n
			} else if v, ok := cutPrefix(kv, "wbytes="); ok {
				n, _ := parseUint(v)
				write += n
			}
		}
	})
	return read, write
}

func cutPrefix(b []byte, prefix string) ([]byte, bool) {
	if len(b) >= len(prefix) && string(b[:len(prefix)]) == prefix {
		return b[len(prefix):], true
	}
	return nil, false
}

// parseNetDev sums received and transmitted bytes of /proc/PID/net/dev over every interface
// but loopback (the engine reports the container's endpoints, which never include lo).
func parseNetDev(b []byte) (rx, tx uint64) {
	var f [20][]byte
	lines(b, func(line []byte) {
		colon := indexByte(line, ':')
		if colon < 0 {
			return // the two header lines
		}
		name := fields(line[:colon], f[:0])
		if len(name) != 1 || string(name[0]) == "lo" {
			return
		}
		fs := fields(line[colon+1:], f[:0])
		if len(fs) < 9 {
			return
		}
		r, _ := parseUint(fs[0])
		t, _ := parseUint(fs[8])
		rx += r
		tx += t
	})
	return rx, tx
}

// parseInt is strconv.Atoi for callers that only need to know the text is a positive number.
func parseInt(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}
