// Command fakecli stands in for cmd/surveytui in the image test: it is built, stamped and
// staged exactly as `make image` does the real command, and reports from inside the
// container what the image must provide (its stamped version, who it runs as, the CA
// bundle, a writable home and /tmp).
package main

import (
	"crypto/x509"
	"fmt"
	"os"
)

// Stamped by -ldflags "-X main.version=... -X main.commit=...", as in cmd/surveytui.
var version, commit string

func main() {
	if len(os.Args) < 2 || os.Args[1] != "version" {
		fmt.Fprintln(os.Stderr, "usage: fakecli version")
		os.Exit(2)
	}
	fmt.Printf("version %s\ncommit %s\nuid %d\ngid %d\nhome %s\n", version, commit, os.Getuid(), os.Getgid(), os.Getenv("HOME"))
	// The bundle Go's crypto/x509 loads on Linux: it must be there and hold certificates.
	pem, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	fmt.Printf("certs %v\n", err == nil && x509.NewCertPool().AppendCertsFromPEM(pem))
	for _, dir := range []string{os.Getenv("HOME"), "/tmp"} {
		f, err := os.CreateTemp(dir, "probe")
		if err == nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
		fmt.Printf("writable %s %v\n", dir, err == nil)
	}
}
