package ui

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

func reviewIDs(evs []eventResponse) []string {
	out := []string{}
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}

// TestEventReviewAPI: a mark is the marker's own; the reviewed filter and
// the reviewed field follow it; unmarking and mark-all (bounded by time and
// camera) work; bad input is a 400 that says what is wrong.
func TestEventReviewAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana, mo := f.login("ana"), f.login("mo")
	e1 := f.addEvent(f.camA1.ID, nvr.EventMotion, f.now.Add(-3*time.Minute), "", nil)
	e2 := f.addEvent(f.camA2.ID, nvr.EventTrigger, f.now.Add(-2*time.Minute), "doorbell", nil)
	e3 := f.addEvent(f.camA1.ID, nvr.EventMotion, f.now.Add(-time.Minute), "", nil)

	r := f.do(http.MethodPost, "/api/events/"+string(e1.ID)+"/reviewed", []any{ana}, "")
	if r.StatusCode != http.StatusOK || !decode[eventResponse](t, r.body).Reviewed {
		t.Fatalf("mark: %d %s", r.StatusCode, r.body)
	}
	unreviewed := func(c *http.Cookie, q string) []string {
		t.Helper()
		r := f.get("/api/events?reviewed=false"+q, c)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("list: %d %s", r.StatusCode, r.body)
		}
		return reviewIDs(decode[eventList](t, r.body).Events)
	}
	if got := unreviewed(ana, ""); strings.Join(got, ",") != string(e3.ID)+","+string(e2.ID) {
		t.Fatalf("ana's unreviewed = %v", got)
	}
	// Another member of the household still has it unreviewed.
	if got := unreviewed(mo, ""); len(got) != 3 {
		t.Fatalf("mo's unreviewed = %v, want all 3", got)
	}
	if got := decode[eventResponse](t, f.get("/api/events/"+string(e1.ID), mo).body); got.Reviewed {
		t.Fatalf("mo sees ana's mark")
	}
	if got := decode[eventResponse](t, f.get("/api/events/"+string(e1.ID), ana).body); !got.Reviewed {
		t.Fatalf("ana's own event answer is not reviewed")
	}
	if got := reviewIDs(decode[eventList](t, f.get("/api/events?reviewed=true", ana).body).Events); len(got) != 1 || got[0] != string(e1.ID) {
		t.Fatalf("ana's reviewed = %v", got)
	}
	// The label filter: the doorbell only.
	if got := reviewIDs(decode[eventList](t, f.get("/api/events?label=doorbell", mo).body).Events); len(got) != 1 || got[0] != string(e2.ID) {
		t.Fatalf("label=doorbell = %v", got)
	}
	// Unmark.
	r = f.do(http.MethodDelete, "/api/events/"+string(e1.ID)+"/reviewed", []any{ana}, "")
	if r.StatusCode != http.StatusOK || decode[eventResponse](t, r.body).Reviewed {
		t.Fatalf("unmark: %d %s", r.StatusCode, r.body)
	}
	if got := unreviewed(ana, ""); len(got) != 3 {
		t.Fatalf("after unmark ana's unreviewed = %v", got)
	}
	// Mark all of one camera up to a time between e1 and e3.
	body := `{"before":"` + f.now.Add(-90*time.Second).UTC().Format(time.RFC3339) + `","camera":"` + string(f.camA1.ID) + `"}`
	r = f.do(http.MethodPost, "/api/events/reviewed", []any{ana}, body)
	if r.StatusCode != http.StatusOK || r.body != `{"marked":1}`+"\n" {
		t.Fatalf("mark all of camera 1: %d %s", r.StatusCode, r.body)
	}
	// Mark all up to now: the two left.
	r = f.do(http.MethodPost, "/api/events/reviewed", []any{ana}, `{"before":"`+f.now.UTC().Format(time.RFC3339Nano)+`"}`)
	if r.StatusCode != http.StatusOK || r.body != `{"marked":2}`+"\n" {
		t.Fatalf("mark all: %d %s", r.StatusCode, r.body)
	}
	if got := unreviewed(ana, ""); len(got) != 0 {
		t.Fatalf("after mark all: %v", got)
	}
	if got := unreviewed(mo, "&camera="+string(f.camA2.ID)); len(got) != 1 || got[0] != string(e2.ID) {
		t.Fatalf("mo's unreviewed of camera 2 = %v", got)
	}

	for _, tc := range []struct {
		method, path, body string
		status             int
		msg                string
	}{
		{http.MethodGet, "/api/events?reviewed=maybe", "", 400, "reviewed must be true or false"},
		{http.MethodGet, "/api/events?label=a%0Ab", "", 400, "label must be"},
		{http.MethodPost, "/api/events/reviewed", `{}`, 400, "before is required"},
		{http.MethodPost, "/api/events/reviewed", `{"before":"yesterday"}`, 400, ""},
		{http.MethodPost, "/api/events/reviewed", `{"before":"2025-01-01T00:00:00Z","all":true}`, 400, "all"},
		{http.MethodPost, "/api/events/reviewed", `{"before":"2025-01-01T00:00:00Z","camera":"porch"}`, 404, "not found"},
		{http.MethodPost, "/api/events/reviewed", `{"before":"2025-01-01T00:00:00Z","camera":"` + string(f.camB1.ID) + `"}`, 404, "not found"},
		{http.MethodPost, "/api/events/" + string(nvr.NewEventID()) + "/reviewed", "", 404, "not found"},
	} {
		r := f.do(tc.method, tc.path, []any{ana}, tc.body)
		if r.StatusCode != tc.status || !strings.Contains(r.body, tc.msg) {
			t.Errorf("%s %s %s: %d %s, want %d %q", tc.method, tc.path, tc.body, r.StatusCode, r.body, tc.status, tc.msg)
		}
	}
}
