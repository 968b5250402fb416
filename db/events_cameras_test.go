package db_test

import (
	"cmp"
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
)

// Listing many cameras merges their events newest first, pages by cursor
// without gaps or repeats, both with one sub-select per camera and, past
// the compound-select limit, with one scan.
func TestEventsAcrossCameras(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// Three events a camera: 260 cameras (past maxEventUnion's 250) page
	// through 21 pages of 37; the four cameras' 12 through pages of 5.
	// (Ten a camera took 75 s of the suite under -race for nothing more.)
	const perCamera = 3
	s := indexShape{Cameras: 260, Days: 1, Events: 260 * perCamera, End: t0} // events only
	path := filepath.Join(t.TempDir(), "index.db")
	cams := buildIndex(t, path, s)
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, n := range []int{4, 260} {
		var scopes []nvr.EventScope
		var want []nvr.Event
		for _, c := range cams[:n] {
			scopes = append(scopes, nvr.EventScope{CameraID: c})
			evs, err := d.Events(ctx, nvr.EventQuery{Cameras: scopes[len(scopes)-1:], Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, evs...)
		}
		slices.SortFunc(want, func(a, b nvr.Event) int {
			if c := b.Start.Compare(a.Start); c != 0 {
				return c
			}
			return cmp.Compare(b.ID, a.ID)
		})
		var got []nvr.EventID
		q := nvr.EventQuery{Cameras: scopes, Limit: 37}
		if n == 4 {
			q.Limit = 5
		}
		for range 200 {
			page, err := d.Events(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page {
				got = append(got, e.ID)
			}
			if len(page) < q.Limit {
				break
			}
			q.After = nvr.EventCursor{Start: page[len(page)-1].Start, ID: page[len(page)-1].ID}
		}
		if len(got) != len(want) || len(want) != perCamera*n {
			t.Fatalf("%d cameras: paged %d events, want %d (= %d)", n, len(got), len(want), perCamera*n)
		}
		for i := range want {
			if got[i] != want[i].ID {
				t.Fatalf("%d cameras: event %d is %s, want %s", n, i, got[i], want[i].ID)
			}
		}
	}
}
