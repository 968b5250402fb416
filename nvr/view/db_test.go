package view

import (
	"testing"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/db/dbtest"
	"github.com/hearthnvr/hearth/nvr"
)

// newPlaybackDB opens a real database (db/dbtest) with two cameras, A and
// B, for the playback tests to record footage of: none of them needs a
// fault of the index, so they read it through the queries the appliance
// runs.
func newPlaybackDB(t *testing.T) (d *db.DB, camA, camB nvr.CameraID) {
	t.Helper()
	w := dbtest.NewWorld(t, nil)
	return w.DB, w.Camera(t, nvr.CameraChanges{}).ID, w.Camera(t, nvr.CameraChanges{}).ID
}
