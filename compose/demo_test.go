package compose_test

import (
	"errors"
	"io/fs"
	"os"
	"slices"
	"testing"
)

// The demo stands in for production: the console must see the same services and volumes in
// both, or what it shows on the demo says nothing about production.
func TestDemoDeclaresTheProductionServicesAndVolumes(t *testing.T) {
	if _, err := os.Stat(demoFile); errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s does not exist on this branch yet (written by the demo work); this comparison runs once it is merged", demoFile)
	}
	prod := mustLoad(t, stage(t), productionFile)
	// The demo needs no env file; it must load as `make demo` runs it.
	demo, err := load(t, composeDir(t), "", demoFile)
	if err != nil {
		t.Fatalf("compose-go cannot load %s: %v", demoFile, err)
	}

	prodServices, demoServices := prod.ServiceNames(), demo.ServiceNames()
	slices.Sort(prodServices)
	slices.Sort(demoServices)
	if !slices.Equal(prodServices, demoServices) {
		t.Errorf("services differ:\n production %v\n demo       %v", prodServices, demoServices)
	}
	if pv, dv := sortedKeys(prod.Volumes), sortedKeys(demo.Volumes); !slices.Equal(pv, dv) {
		t.Errorf("named volumes differ:\n production %v\n demo       %v", pv, dv)
	}
	// Same volume, same services: a backup of the demo covers what production's would.
	pu, du := volumeUsers(prod), volumeUsers(demo)
	for _, v := range sortedKeys(pu) {
		if !slices.Equal(pu[v], du[v]) {
			t.Errorf("volume %s is mounted by %v in production, by %v in the demo", v, pu[v], du[v])
		}
	}
}
