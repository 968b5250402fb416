package db_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
)

// unreviewed lists the IDs of the events of scope user u has not marked.
func unreviewed(t *testing.T, d *db.DB, u nvr.UserID, cams ...nvr.CameraID) map[nvr.EventID]bool {
	t.Helper()
	q := nvr.EventQuery{Reviewer: u, Reviewed: nvr.ReviewOnlyUnmarked, Limit: 100}
	for _, c := range cams {
		q.Cameras = append(q.Cameras, nvr.EventScope{CameraID: c})
	}
	out := map[nvr.EventID]bool{}
	for _, e := range must[[]nvr.Event](t)(d.Events(context.Background(), q)) {
		if e.Reviewed {
			t.Fatalf("unreviewed listing holds a reviewed event %s", e.ID)
		}
		out[e.ID] = true
	}
	return out
}

func TestEventReviewMarks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)
	e1 := newEvent(t, d, w.cam1.ID, nvr.EventMotion, t0)
	e2 := newEvent(t, d, w.cam1.ID, nvr.EventMotion, t0.Add(time.Minute))

	noErr(t, d.SetEventReviewed(ctx, w.owner.ID, w.cam1.ID, e1.ID, true, t0))
	noErr(t, d.SetEventReviewed(ctx, w.owner.ID, w.cam1.ID, e1.ID, true, t0.Add(time.Hour))) // twice: one mark
	if ok := must[bool](t)(d.EventReviewed(ctx, w.owner.ID, e1.ID)); !ok {
		t.Fatalf("owner's mark not read back")
	}
	// Marks are per user: the member still has both unreviewed.
	if got := unreviewed(t, d, w.member.ID, w.cam1.ID); len(got) != 2 {
		t.Fatalf("member's unreviewed = %v, want both", got)
	}
	if got := unreviewed(t, d, w.owner.ID, w.cam1.ID); len(got) != 1 || !got[e2.ID] {
		t.Fatalf("owner's unreviewed = %v, want only e2", got)
	}
	all := must[[]nvr.Event](t)(d.Events(ctx, nvr.EventQuery{Cameras: []nvr.EventScope{{CameraID: w.cam1.ID}},
		Reviewer: w.owner.ID, Limit: 10}))
	if len(all) != 2 || all[0].ID != e2.ID || all[0].Reviewed || !all[1].Reviewed {
		t.Fatalf("owner's listing: %+v", all)
	}
	marked := must[[]nvr.Event](t)(d.Events(ctx, nvr.EventQuery{Cameras: []nvr.EventScope{{CameraID: w.cam1.ID}},
		Reviewer: w.owner.ID, Reviewed: nvr.ReviewOnlyMarked, Limit: 10}))
	if len(marked) != 1 || marked[0].ID != e1.ID {
		t.Fatalf("owner's reviewed listing: %+v", marked)
	}
	// A listing naming no user reads no marks and refuses a review filter.
	if evs := must[[]nvr.Event](t)(d.Events(ctx, nvr.EventQuery{Cameras: []nvr.EventScope{{CameraID: w.cam1.ID}}, Limit: 10})); evs[1].Reviewed {
		t.Fatalf("listing without a reviewer read a mark")
	}
	_, err := d.Events(ctx, nvr.EventQuery{Cameras: []nvr.EventScope{{CameraID: w.cam1.ID}}, Reviewed: nvr.ReviewOnlyUnmarked, Limit: 10})
	wantKind(t, err, nvr.KindInvalid)

	// An event is named with its own camera only; unmarking twice is fine.
	wantKind(t, d.SetEventReviewed(ctx, w.owner.ID, w.cam1b.ID, e2.ID, true, t0), nvr.KindNotFound)
	wantKind(t, d.SetEventReviewed(ctx, w.owner.ID, w.cam1.ID, nvr.NewEventID(), true, t0), nvr.KindNotFound)
	noErr(t, d.SetEventReviewed(ctx, w.owner.ID, w.cam1.ID, e1.ID, false, t0))
	noErr(t, d.SetEventReviewed(ctx, w.owner.ID, w.cam1.ID, e1.ID, false, t0))
	if ok := must[bool](t)(d.EventReviewed(ctx, w.owner.ID, e1.ID)); ok {
		t.Fatalf("unmarked event still reviewed")
	}
}

func TestMarkEventsReviewedScope(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)
	old := newEvent(t, d, w.cam1.ID, nvr.EventMotion, t0)
	garden := newEvent(t, d, w.cam1b.ID, nvr.EventMotion, t0.Add(time.Second))
	later := newEvent(t, d, w.cam1.ID, nvr.EventMotion, t0.Add(time.Hour))
	foreign := newEvent(t, d, w.cam2.ID, nvr.EventMotion, t0)
	scope := []nvr.EventScope{{CameraID: w.cam1.ID}, {CameraID: w.cam1b.ID}, {CameraID: w.cam2.ID}}

	// The other household's camera in the scope (a policy bug) marks nothing
	// there: the statement holds the household condition itself. "later"
	// started after before.
	n := must[int](t)(d.MarkEventsReviewed(ctx, w.owner.ID, scope, t0.Add(time.Minute), t0))
	if n != 2 {
		t.Fatalf("marked %d, want 2", n)
	}
	if got := unreviewed(t, d, w.owner.ID, w.cam1.ID, w.cam1b.ID); len(got) != 1 || !got[later.ID] {
		t.Fatalf("owner's unreviewed = %v, want only the later event", got)
	}
	if ok := must[bool](t)(d.EventReviewed(ctx, w.owner.ID, foreign.ID)); ok {
		t.Fatalf("another household's event was marked")
	}
	// Marking again adds nothing.
	if n := must[int](t)(d.MarkEventsReviewed(ctx, w.owner.ID, scope, t0.Add(time.Minute), t0)); n != 0 {
		t.Fatalf("second mark-all marked %d", n)
	}
	// A viewer marks only cameras assigned to them, whatever the scope says.
	if n := must[int](t)(d.MarkEventsReviewed(ctx, w.viewer.ID, scope, t0.Add(2*time.Hour), t0)); n != 2 {
		t.Fatalf("viewer marked %d, want 2 (cam1's)", n)
	}
	if ok := must[bool](t)(d.EventReviewed(ctx, w.viewer.ID, garden.ID)); ok {
		t.Fatalf("viewer marked an unassigned camera's event")
	}
	// A disabled user marks nothing.
	noErr(t, d.SetDisabled(ctx, w.member.ID, true))
	if n := must[int](t)(d.MarkEventsReviewed(ctx, w.member.ID, scope, t0.Add(2*time.Hour), t0)); n != 0 {
		t.Fatalf("disabled member marked %d", n)
	}
	// Since hides a camera's earlier events (footage of a former household).
	sinceScope := []nvr.EventScope{{CameraID: w.cam1.ID, Since: t0.Add(time.Minute)}}
	noErr(t, d.SetDisabled(ctx, w.member.ID, false))
	if n := must[int](t)(d.MarkEventsReviewed(ctx, w.member.ID, sinceScope, t0.Add(2*time.Hour), t0)); n != 1 {
		t.Fatalf("member with since marked %d, want 1", n)
	}
	if ok := must[bool](t)(d.EventReviewed(ctx, w.member.ID, old.ID)); ok {
		t.Fatalf("an event before since was marked")
	}

	// Marks go with their event and their user (cascade).
	noErr(t, d.MarkEventDeleting(ctx, w.cam1.ID, old.ID))
	noErr(t, d.DeleteEvent(ctx, old.ID))
	noErr(t, d.DeleteUser(ctx, w.viewer.ID))
	raw := must[*sql.DB](t)(sql.Open("sqlite", d.Path()))
	defer raw.Close()
	var marks int
	if err := raw.QueryRowContext(ctx, `SELECT count(*) FROM event_reviews`).Scan(&marks); err != nil {
		t.Fatal(err)
	}
	// Left: owner's garden, member's later.
	if marks != 2 {
		t.Fatalf("%d marks after deleting an event and a user, want 2", marks)
	}
}

// TestReviewFloor: the floor mark-all raises only ever hides events that
// are marked. An event unmarked below it, and an event created below it
// (its motion began before the mark-all), are listed unreviewed again.
func TestReviewFloor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)
	var evs []nvr.Event
	for i := range 5 {
		evs = append(evs, newEvent(t, d, w.cam1.ID, nvr.EventMotion, t0.Add(time.Duration(i)*time.Minute)))
	}
	scope := []nvr.EventScope{{CameraID: w.cam1.ID}}
	if n := must[int](t)(d.MarkEventsReviewed(ctx, w.owner.ID, scope, t0.Add(10*time.Minute), t0)); n != 5 {
		t.Fatalf("marked %d", n)
	}
	if got := unreviewed(t, d, w.owner.ID, w.cam1.ID); len(got) != 0 {
		t.Fatalf("after mark all: %v", got)
	}
	// Unmark one in the middle: it is listed again, its elders stay hidden.
	noErr(t, d.SetEventReviewed(ctx, w.owner.ID, w.cam1.ID, evs[2].ID, false, t0))
	if got := unreviewed(t, d, w.owner.ID, w.cam1.ID); len(got) != 1 || !got[evs[2].ID] {
		t.Fatalf("after unmarking one: %v", got)
	}
	// An event that began below the floor, created after the mark-all.
	late := newEvent(t, d, w.cam1.ID, nvr.EventMotion, t0.Add(30*time.Second))
	if got := unreviewed(t, d, w.owner.ID, w.cam1.ID); len(got) != 2 || !got[late.ID] || !got[evs[2].ID] {
		t.Fatalf("after a late event: %v", got)
	}
	// Another user's floor is theirs: the member never marked anything.
	if got := unreviewed(t, d, w.member.ID, w.cam1.ID); len(got) != 6 {
		t.Fatalf("member's unreviewed: %d, want 6", len(got))
	}
	// Mark all again: everything below the new floor, the late one too.
	if n := must[int](t)(d.MarkEventsReviewed(ctx, w.owner.ID, scope, t0.Add(10*time.Minute), t0)); n != 2 {
		t.Fatalf("second mark all marked %d, want 2", n)
	}
	if got := unreviewed(t, d, w.owner.ID, w.cam1.ID); len(got) != 0 {
		t.Fatalf("after second mark all: %v", got)
	}
}
