package importer_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/uniflow-crm/uniflow/importer"
)

// importSample imports a testdata file, failing the test on an error.
func (e *env) importSample(t *testing.T, name string, opt importer.Options) importer.Report {
	t.Helper()
	fh, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	rep, err := importer.Run(e.ctx, e.svc, name, fh, opt)
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return rep
}

// golden compares got with testdata/golden/name, or writes it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", name, diff)
	}
}

// Each sample imports to its golden report and records; importing it again changes nothing.
func TestGoldenSamples(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file string
		kind importer.Kind
		dump string
	}{
		{"clients_utf8_bom_semicolon.csv", importer.KindClients, dumpClients},
		{"clients_utf8_comma.csv", importer.KindClients, dumpClients},
		{"clients_cp1251_semicolon.csv", importer.KindClients, dumpClients},
		{"clients_utf8_tab.tsv", importer.KindClients, dumpClients},
		{"clients.xlsx", importer.KindClients, dumpClients},
		{"vehicles.csv", importer.KindVehicles, dumpVehicles},
		{"vehicles.xlsx", importer.KindVehicles, dumpVehicles},
		{"catalog.csv", importer.KindCatalog, dumpItems},
		{"catalog_en.csv", importer.KindCatalog, dumpItems},
		{"clients_review.csv", importer.KindClients, dumpClients},
		{"vehicles_review.csv", importer.KindVehicles, dumpVehicles},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			if tc.kind == importer.KindVehicles { // the owners first
				e.importSample(t, "clients_utf8_bom_semicolon.csv", importer.Options{Kind: importer.KindClients})
			}
			rep := e.importSample(t, tc.file, importer.Options{Kind: tc.kind})
			db := e.dump(t, tc.dump)
			golden(t, tc.file+".txt", render(rep)+"--- records\n"+db)
			again := e.importSample(t, tc.file, importer.Options{Kind: tc.kind})
			if again.New != 0 || again.Updated != 0 || again.Conflicts != 0 || again.Unchanged != rep.New+rep.Updated {
				t.Errorf("second import: %s", render(again))
			}
			if got := e.dump(t, tc.dump); got != db {
				t.Errorf("second import changed the records:\n%s", cmp.Diff(db, got))
			}
		})
	}
}

// Every variant of the clients sample (encodings, separators, CSV or XLSX) gives the same
// clients and the same report (but for line numbers: an XLSX row with a line break in a cell is
// one line, a CSV one two).
func TestSameClientsFromEveryVariant(t *testing.T) {
	t.Parallel()
	var first, firstRep string
	for _, name := range clientSamples {
		e := newEnv(t)
		rep := e.importSample(t, name, importer.Options{Kind: importer.KindClients})
		got := e.dump(t, dumpClients)
		for i := range rep.Problems {
			rep.Problems[i].Line = 0
		}
		r := render(rep)
		if first == "" {
			first, firstRep = got, r
			if strings.Count(got, "\n") != 5 {
				t.Errorf("%s: %d clients, want 5:\n%s", name, strings.Count(got, "\n"), got)
			}
			continue
		}
		if diff := cmp.Diff(first, got); diff != "" {
			t.Errorf("%s: clients differ from %s (-want +got):\n%s", name, clientSamples[0], diff)
		}
		if diff := cmp.Diff(firstRep, r); diff != "" {
			t.Errorf("%s: report differs from %s (-want +got):\n%s", name, clientSamples[0], diff)
		}
	}
}
