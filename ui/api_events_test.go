package ui

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/events"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

type eventList struct {
	Events []eventResponse `json:"events"`
	Next   string          `json:"next"`
}

func eventIDs(evs []eventResponse) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}

func evPath(e nvr.Event, suffix string) string {
	return "/api/events/" + string(e.ID) + suffix
}

// TestEventsIsolation: another household's event answers exactly like a
// missing one on every event route, and never shows up in a listing.
func TestEventsIsolation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana := f.login("ana")
	own := f.addEvent(f.camA1.ID, nvr.EventMotion, f.now.Add(-30*time.Minute), "front", []byte("alpha-thumb"))
	missing := nvr.Event{ID: nvr.NewEventID()}
	for _, rt := range []struct{ method, suffix, body string }{
		{http.MethodGet, "", ""},
		{http.MethodGet, "/thumbnail", ""},
		{http.MethodGet, "/clip.mp4", ""},
		{http.MethodPost, "/pin", `{"pinned":true}`},
		{http.MethodDelete, "/pin", ""},
		{http.MethodDelete, "", ""},
	} {
		other := f.do(rt.method, evPath(f.eventB, rt.suffix), []any{ana}, rt.body)
		none := f.do(rt.method, evPath(missing, rt.suffix), []any{ana}, rt.body)
		if other.StatusCode != http.StatusNotFound || other.body != none.body {
			t.Errorf("%s %s of B's event: %d %q; missing event: %d %q", rt.method, rt.suffix, other.StatusCode, other.body, none.StatusCode, none.body)
		}
	}
	for _, bad := range []string{"0", "-1", "abc", "1e3", "99999999999999999999"} {
		if r := f.get("/api/events/"+bad, ana); r.StatusCode != http.StatusNotFound {
			t.Errorf("event %q: %d", bad, r.StatusCode)
		}
	}
	// B's event is untouched and still B's.
	if ev, err := f.store.Event(context.Background(), f.camB1.ID, f.eventB.ID); err != nil || ev.Pinned {
		t.Fatalf("B's event after A's attempts: %+v %v", ev, err)
	}
	r := f.get("/api/events", ana)
	list := decode[eventList](t, r.body)
	if r.StatusCode != http.StatusOK || !slices.Equal(eventIDs(list.Events), []string{string(own.ID)}) {
		t.Fatalf("A's listing: %d %s", r.StatusCode, r.body)
	}
	if r := f.get("/api/events?camera="+string(f.camB1.ID), ana); r.StatusCode != http.StatusNotFound {
		t.Fatalf("listing B's camera: %d %s", r.StatusCode, r.body)
	}
	// B's owner sees B's event and its thumbnail.
	bea := f.login("bea")
	if r := f.get(evPath(f.eventB, "/thumbnail"), bea); r.StatusCode != http.StatusOK || r.body != "beta-thumbnail" {
		t.Fatalf("B's thumbnail for B: %d %q", r.StatusCode, r.body)
	}
}

func TestEventsViewerSeesAssignedCamerasOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e1 := f.addEvent(f.camA1.ID, nvr.EventMotion, f.now.Add(-20*time.Minute), "", []byte("\xff\xd8front-door"))
	e2 := f.addEvent(f.camA2.ID, nvr.EventTrigger, f.now.Add(-10*time.Minute), "garden", []byte("garden-thumb"))
	vic := f.login("vic")
	r := f.get("/api/events", vic)
	if list := decode[eventList](t, r.body); !slices.Equal(eventIDs(list.Events), []string{string(e1.ID)}) {
		t.Fatalf("viewer listing: %s", r.body)
	}
	if r := f.get(evPath(e2, ""), vic); r.StatusCode != http.StatusNotFound {
		t.Fatalf("viewer got unassigned camera's event: %d", r.StatusCode)
	}
	if r := f.get(evPath(e2, "/thumbnail"), vic); r.StatusCode != http.StatusNotFound {
		t.Fatalf("viewer got unassigned camera's thumbnail: %d", r.StatusCode)
	}
	r = f.get(evPath(e1, "/thumbnail"), vic)
	if r.StatusCode != http.StatusOK || r.body != "\xff\xd8front-door" || r.Header.Get("Content-Type") != "image/jpeg" ||
		!strings.Contains(r.Header.Get("Cache-Control"), "private") {
		t.Fatalf("thumbnail: %d %q %v", r.StatusCode, r.body, r.Header)
	}
	// A member sees both, newest first, and pages through them.
	mo := f.login("mo")
	r = f.get("/api/events?limit=1", mo)
	page := decode[eventList](t, r.body)
	if len(page.Events) != 1 || page.Events[0].ID != string(e2.ID) || page.Next == "" {
		t.Fatalf("page 1: %s", r.body)
	}
	r = f.get("/api/events?limit=1&cursor="+page.Next, mo)
	page = decode[eventList](t, r.body)
	if len(page.Events) != 1 || page.Events[0].ID != string(e1.ID) || page.Next != "" {
		t.Fatalf("page 2: %s", r.body)
	}
	if r := f.get("/api/events?kind=trigger", mo); !slices.Equal(eventIDs(decode[eventList](t, r.body).Events), []string{string(e2.ID)}) {
		t.Fatalf("kind filter: %s", r.body)
	}
	// Deleting is for owners: the member and the viewer get the same 404.
	for _, c := range []*http.Cookie{mo, vic} {
		if r := f.do(http.MethodDelete, evPath(e1, ""), []any{c}, ""); r.StatusCode != http.StatusNotFound {
			t.Fatalf("non-owner delete: %d", r.StatusCode)
		}
	}
	ana := f.login("ana")
	if r := f.do(http.MethodDelete, evPath(e1, ""), []any{ana}, ""); r.StatusCode != http.StatusNoContent {
		t.Fatalf("owner delete: %d %s", r.StatusCode, r.body)
	}
	if r := f.get(evPath(e1, ""), ana); r.StatusCode != http.StatusNotFound {
		t.Fatalf("deleted event: %d", r.StatusCode)
	}
	if _, err := os.Stat(filepath.Join(events.ThumbnailsDir(f.dataDir), string(f.camA1.ID), strconv.FormatInt(e1.Seq, 10)+".jpg")); !os.IsNotExist(err) {
		t.Fatalf("thumbnail of the deleted event: %v", err)
	}
}

func TestEventsPin(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	ev := f.addEvent(f.camA2.ID, nvr.EventMotion, f.now.Add(-time.Hour), "", nil)
	mo := f.login("mo")
	r := f.do(http.MethodPost, evPath(ev, "/pin"), []any{mo}, "")
	if r.StatusCode != http.StatusOK || !decode[eventResponse](t, r.body).Pinned {
		t.Fatalf("pin: %d %s", r.StatusCode, r.body)
	}
	if rs, err := f.events.PinnedRanges(ctx, f.camA2.ID); err != nil || len(rs) != 1 ||
		!rs[0].Start.Equal(ev.Start.Add(-f.camA2.PreRoll)) || !rs[0].End.Equal(ev.End.Add(f.camA2.PostRoll)) {
		t.Fatalf("pinned ranges %+v %v", rs, err)
	}
	if r := f.do(http.MethodPost, evPath(ev, "/pin"), []any{mo}, `{"pinned":false}`); decode[eventResponse](t, r.body).Pinned {
		t.Fatalf("unpin by body: %s", r.body)
	}
	f.do(http.MethodPost, evPath(ev, "/pin"), []any{mo}, `{"pinned":true}`)
	if r := f.do(http.MethodDelete, evPath(ev, "/pin"), []any{mo}, ""); r.StatusCode != http.StatusOK || decode[eventResponse](t, r.body).Pinned {
		t.Fatalf("unpin: %d %s", r.StatusCode, r.body)
	}
	if r := f.do(http.MethodPost, evPath(ev, "/pin"), []any{mo}, `{"pinned":"yes"}`); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad pin body: %d", r.StatusCode)
	}
}

// TestEventsPinIsForOwnersAndMembers (issue 14, finding 4): pinning
// changes what retention keeps, so a viewer who may watch the event, and a
// view- or trigger-scope token, may not pin or unpin it; owners, members and
// all-scope tokens may. Refusals answer the policy's 404 and change nothing.
func TestEventsPinIsForOwnersAndMembers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	ev := f.addEvent(f.camA1.ID, nvr.EventMotion, f.now.Add(-time.Hour), "", nil) // camA1 is vic's
	tok := func(u nvr.User, scope nvr.TokenScope) http.Header {
		v, _, err := nvrtest.Operator(f.dir).CreateToken(ctx, u.ID, "t-"+string(scope), scope, 0)
		if err != nil {
			t.Fatalf("create token: %v", err)
		}
		return bearer(v)
	}
	vic := f.login("vic")
	if r := f.get(evPath(ev, ""), vic); r.StatusCode != http.StatusOK {
		t.Fatalf("the viewer cannot see the event at all (%d): the test would prove nothing", r.StatusCode)
	}
	cases := []struct {
		name string
		cred any
		want int
	}{
		{"viewer session", vic, http.StatusNotFound},
		{"viewer all-scope token", tok(f.viewerA, nvr.ScopeAll), http.StatusNotFound},
		{"member view-scope token", tok(f.memberA, nvr.ScopeView), http.StatusNotFound},
		{"member trigger-scope token", tok(f.memberA, nvr.ScopeTrigger), http.StatusNotFound},
		{"admin of no household", f.login("root"), http.StatusNotFound},
		{"member session", f.login("mo"), http.StatusOK},
		{"member all-scope token", tok(f.memberA, nvr.ScopeAll), http.StatusOK},
		{"owner session", f.login("ana"), http.StatusOK},
	}
	for _, tc := range cases {
		for _, pinned := range []bool{true, false} {
			if err := f.store.SetEventPinned(ctx, ev.CameraID, ev.ID, !pinned); err != nil {
				t.Fatal(err)
			}
			method := http.MethodPost
			if !pinned {
				method = http.MethodDelete
			}
			r := f.do(method, evPath(ev, "/pin"), []any{tc.cred}, "")
			got := must(f.store.Event(ctx, ev.CameraID, ev.ID))(t)
			if r.StatusCode != tc.want {
				t.Errorf("%s: %s pin = %d %s, want %d", tc.name, method, r.StatusCode, r.body, tc.want)
			}
			if changed := got.Pinned == pinned; changed != (tc.want == http.StatusOK) {
				t.Errorf("%s: %s pin left pinned=%v", tc.name, method, got.Pinned)
			}
		}
	}
}

func TestEventsTrigger(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	token, _, err := nvrtest.Operator(f.dir).CreateToken(ctx, f.memberA.ID, "doorbell", nvr.ScopeTrigger, 0)
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/cameras/" + string(f.camA1.ID) + "/events"
	label := "ring $(touch /tmp/hearth-canary) `id`; rm -rf / | \"quoted\" <b>"
	r := f.do(http.MethodPost, path, []any{bearer(token)}, `{"label":`+strconv.Quote(label)+`,"duration_s":2.5}`)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("trigger: %d %s", r.StatusCode, r.body)
	}
	ev := decode[eventResponse](t, r.body)
	if ev.Label != label || ev.Kind != "trigger" || ev.Camera != string(f.camA1.ID) || !ev.Open {
		t.Fatalf("triggered %+v", ev)
	}
	stored, err := f.store.Event(ctx, f.camA1.ID, nvr.EventID(ev.ID))
	if err != nil || stored.Label != label || !stored.Last.Equal(f.now.Add(2500*time.Millisecond)) {
		t.Fatalf("stored %+v %v", stored, err)
	}
	// The trigger token may not read events.
	if r := f.get("/api/events/"+ev.ID, bearer(token)); r.StatusCode != http.StatusNotFound {
		t.Fatalf("trigger token read an event: %d", r.StatusCode)
	}
	for _, tc := range []struct {
		name   string
		path   string
		header http.Header
		body   string
		want   int
	}{
		{"bad token", path, bearer("hth_nope"), `{"label":"x"}`, http.StatusUnauthorized},
		{"no token", path, nil, `{"label":"x"}`, http.StatusUnauthorized},
		{"other household", "/api/cameras/" + string(f.camB1.ID) + "/events", bearer(token), `{"label":"x"}`, http.StatusNotFound},
		{"malformed", path, bearer(token), `{"label":`, http.StatusBadRequest},
		{"unknown field", path, bearer(token), `{"label":"x","camera":"y"}`, http.StatusBadRequest},
		{"newline label", path, bearer(token), `{"label":"a\nb"}`, http.StatusBadRequest},
		{"long label", path, bearer(token), `{"label":"` + strings.Repeat("x", 65) + `"}`, http.StatusBadRequest},
		{"negative duration", path, bearer(token), `{"duration_s":-1}`, http.StatusBadRequest},
		{"huge duration", path, bearer(token), `{"duration_s":1e12}`, http.StatusBadRequest},
	} {
		h := http.Header{"Content-Type": {"application/json"}}
		for k, v := range tc.header {
			h[k] = v
		}
		if r := f.do(http.MethodPost, tc.path, []any{h}, tc.body); r.StatusCode != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, r.StatusCode, r.body, tc.want)
		}
	}
	// A view token cannot trigger.
	view, _, err := nvrtest.Operator(f.dir).CreateToken(ctx, f.memberA.ID, "viewer", nvr.ScopeView, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r := f.do(http.MethodPost, path, []any{bearer(view)}, `{"label":"x"}`); r.StatusCode != http.StatusNotFound {
		t.Fatalf("view token triggered: %d", r.StatusCode)
	}
	if _, err := os.Stat("/tmp/hearth-canary"); err == nil {
		t.Fatal("canary file exists: a label reached a shell")
	}
}

func TestEventsListParams(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana := f.login("ana")
	for _, q := range []string{"start=yesterday", "end=2026-13-01T00:00:00Z", "limit=0", "limit=501", "limit=x",
		"kind=smoke", "cursor=zzz", "cursor=e1.!!", "start=2026-01-02T00:00:00Z&end=2026-01-01T00:00:00Z"} {
		r := f.get("/api/events?"+q, ana)
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "error") {
			t.Errorf("%s: %d %s", q, r.StatusCode, r.body)
		}
	}
	if r := f.get("/api/events?camera=nonsense", ana); r.StatusCode != http.StatusNotFound {
		t.Errorf("malformed camera: %d", r.StatusCode)
	}
}
