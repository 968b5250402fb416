package ui

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// idInferenceBase is the fixture clock of both runs, so that only B's
// activity differs between them.
var idInferenceBase = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// transcriptOfA runs one owner of household A through creating, listing
// (in pages, so cursors are handed out) and reading events while household
// B makes busyB events between each of A's, and returns everything A
// received: bodies and the Location headers. It also returns the event IDs
// A was given.
func transcriptOfA(t *testing.T, busyB int) (string, []string) {
	t.Helper()
	f := newFixture(t)
	f.now = idInferenceBase // before any request: the clock is read only by requests below
	ctx := context.Background()
	token, _, err := f.dir.CreateToken(ctx, f.ownerA.ID, "script", nvr.ScopeAll, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	var ids []string
	record := func(what string, r response) {
		fmt.Fprintf(&out, "%s: %d %s location=%q\n", what, r.StatusCode, r.body, r.Header.Get("Location"))
	}
	// A's events: one external trigger through the API (its answer and
	// Location), then motion events as the detector stores them, with B's
	// events in between. The trigger stays open (nothing runs the
	// lifecycle here), so the later ones are motion.
	r := f.do(http.MethodPost, "/api/cameras/"+string(f.camA2.ID)+"/events", []any{bearer(token)}, `{"label":"bell","duration_s":1}`)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("trigger: %d %s", r.StatusCode, r.body)
	}
	record("trigger", r)
	ids = append(ids, decode[eventResponse](t, r.body).ID)
	for round := range 4 {
		for i := range busyB {
			at := f.clock().Add(time.Duration(i) * time.Millisecond)
			if _, err := f.store.CreateEvent(ctx, nvr.Event{CameraID: f.camB1.ID, Kind: nvr.EventMotion, Start: at, Last: at, CreatedAt: at}); err != nil {
				t.Fatal(err)
			}
		}
		f.advance(time.Minute)
		at := f.clock()
		ev, err := f.store.CreateEvent(ctx, nvr.Event{CameraID: f.camA1.ID, Kind: nvr.EventMotion, Start: at, Last: at, CreatedAt: at})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		ids = append(ids, string(ev.ID))
	}
	next := ""
	for page := 0; page < 10; page++ { // 5 events, 2 a page: 3 pages
		path := "/api/events?limit=2"
		if next != "" {
			path += "&cursor=" + next
		}
		r := f.get(path, bearer(token))
		if r.StatusCode != http.StatusOK {
			t.Fatalf("list: %d %s", r.StatusCode, r.body)
		}
		record("list", r)
		if next = decode[eventList](t, r.body).Next; next == "" {
			break
		}
	}
	for _, id := range ids {
		record("get", f.get("/api/events/"+id, bearer(token)))
	}
	return out.String(), ids
}

var (
	hexIDPattern  = regexp.MustCompile(`[0-9a-f]{32}`)
	cursorPattern = regexp.MustCompile(`e[0-9]+\.[A-Za-z0-9_-]+`)
)

// normalizeIDs replaces random IDs by their order of first appearance and
// opens cursors (base64 of their position), so two transcripts compare
// equal exactly when nothing in them but the random IDs differs.
func normalizeIDs(s string) string {
	s = cursorPattern.ReplaceAllStringFunc(s, func(c string) string {
		prefix, rest, _ := strings.Cut(c, ".")
		b, err := base64.RawURLEncoding.DecodeString(rest)
		if err != nil {
			return c
		}
		return prefix + ".<" + string(b) + ">"
	})
	names := map[string]string{}
	return hexIDPattern.ReplaceAllStringFunc(s, func(id string) string {
		if _, ok := names[id]; !ok {
			names[id] = fmt.Sprintf("<id%d>", len(names))
		}
		return names[id]
	})
}

// TestEventIDsDoNotCountOtherHouseholds: an owner of household A must not
// learn how many events household B had from anything A receives (issue
// 14, finding 3: sequential event IDs showed B's activity in the gaps
// between A's own IDs). The same script runs twice, with B idle and with B
// making 40 events between each of A's; what A receives (answers,
// Location headers, listing cursors opened up) must be the same but for
// the random IDs themselves.
func TestEventIDsDoNotCountOtherHouseholds(t *testing.T) {
	t.Parallel()
	quiet, quietIDs := transcriptOfA(t, 0)
	busy, busyIDs := transcriptOfA(t, 40)
	for _, id := range append(quietIDs, busyIDs...) {
		if _, err := nvr.ParseEventID(id); err != nil {
			t.Fatalf("event ID %q is not a random ID", id)
		}
	}
	if q, b := normalizeIDs(quiet), normalizeIDs(busy); q != b {
		t.Fatalf("what A receives depends on B's activity:\nB idle:\n%s\nB busy:\n%s", q, b)
	}
	if !strings.Contains(quiet, `"next":"e`) {
		t.Fatalf("no cursor handed out, so none was compared:\n%s", quiet)
	}
}
