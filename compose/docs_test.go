package compose_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// docs/OPERATIONS.md tables list every service, port and volume: a rename in the compose
// files must not leave the runbook pointing at names that no longer exist.
func TestOperationsGuideNamesEveryServicePortAndVolume(t *testing.T) {
	data, err := os.ReadFile("../docs/OPERATIONS.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	p := mustLoad(t, stage(t), productionFile, loggingFile)
	for _, name := range p.ServiceNames() {
		if !strings.Contains(doc, name) {
			t.Errorf("OPERATIONS.md never mentions service %s", name)
		}
		for _, port := range p.Services[name].Ports {
			if row := fmt.Sprintf("| %s | %s |", name, port.Published); !strings.Contains(doc, row) {
				t.Errorf("OPERATIONS.md has no ports row %q", row)
			}
		}
	}
	for _, v := range sortedKeys(p.Volumes) {
		if !strings.Contains(doc, v) {
			t.Errorf("OPERATIONS.md never mentions volume %s", v)
		}
	}
}
