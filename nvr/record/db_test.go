package record

import (
	"context"
	"testing"

	"github.com/hearthnvr/hearth/nvr"
)

// The recorder and recovery tests index into a real database
// (db/dbtest): the states they need (rows without files, files without
// rows, a torn tail, a camera that is gone) are states of the disk or of
// the directory, which a real index holds as well as a fake. Where a test
// needs the index itself to fail, it wraps the database (refusingStore,
// the reserve's guard). The retention tests keep their fake index
// (retention_fake_test.go) for the reasons given there.

// allSegments returns every segment row of store, by camera and start.
func allSegments(t testing.TB, store nvr.RecordingStore) []nvr.Segment {
	t.Helper()
	segs, err := store.AllSegments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return segs
}
