package importer_test

import (
	"testing"

	"github.com/capillary-tools/groupimport/importer"
)

// TestTablesAreCopies checks a caller that changes the lists it is given
// changes nothing for the next caller: the tables behind them are the
// package's.
func TestTablesAreCopies(t *testing.T) {
	f := importer.Fields()
	f[0].Name, f[0].Required = "changed", false
	if g := importer.Fields()[0]; g.Name != "externalId" || !g.Required {
		t.Errorf("Fields()[0] = %+v after a caller changed its copy", g)
	}
	s := importer.Statuses()
	s[0] = "changed"
	if got := importer.Statuses()[0]; got != importer.Created {
		t.Errorf("Statuses()[0] = %q after a caller changed its copy", got)
	}
	d := importer.DiffStatuses()
	d[0] = "changed"
	if got := importer.DiffStatuses()[0]; got != importer.Same {
		t.Errorf("DiffStatuses()[0] = %q after a caller changed its copy", got)
	}
	p := importer.DefaultPolicy()
	p.MaxAttempts = 99
	if got := importer.DefaultPolicy().MaxAttempts; got == 99 {
		t.Errorf("DefaultPolicy().MaxAttempts = %d after a caller changed its copy", got)
	}
}
