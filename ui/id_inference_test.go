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
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// idInferenceBase is the fixture clock of both runs, so that only B's
// activity differs between them.
var idInferenceBase = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// transcriptOfA runs one owner of household A through creating, listing
// (in pages, so cursors are handed out) and reading events, adding
// members, signing in and creating API tokens, while household B makes
// busyB events, accounts, sessions and tokens between each of A's, and
// returns everything A received: bodies and the Location headers. Each
// round A's family also gets a new household, made after busyB others
// (the admin's doing, but the count is B's business): its owner reads
// /api/me, adds a camera and lists cameras and members, each of which
// names the household. It also returns the IDs A was given.
func transcriptOfA(t *testing.T, busyB int) (string, []string) {
	t.Helper()
	f := newFixture(t)
	// The fixture's people were made at the real time of this run; every
	// later stamp comes from the fixed clock.
	setup := f.now.UTC().Format(time.RFC3339Nano)
	f.now = idInferenceBase // before any request: the clock is read only by requests below
	ctx := context.Background()
	token, _, err := nvrtest.Operator(f.dir).CreateToken(ctx, f.ownerA.ID, "script", nvr.ScopeAll, 0)
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
	events := []string{decode[eventResponse](t, r.body).ID}
	laptop := f.login("ana")
	for round := range 4 {
		for i := range busyB {
			at := f.clock().Add(time.Duration(i) * time.Millisecond)
			if _, err := f.store.CreateEvent(ctx, nvr.Event{CameraID: f.camB1.ID, Kind: nvr.EventMotion, Start: at, Last: at, CreatedAt: at}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := nvrtest.Operator(f.dir).CreateToken(ctx, f.ownerB.ID, "b", nvr.ScopeView, 0); err != nil {
				t.Fatal(err)
			}
			if _, err := f.store.CreateSession(ctx, nvr.Session{UserID: f.ownerB.ID, TokenHash: nvr.HashToken(nvr.NewPublicID()),
				CreatedAt: at, LastSeenAt: at, ExpiresAt: at.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			if _, err := nvrtest.Operator(f.dir).AddUser(ctx, nvr.NewUser{Name: fmt.Sprintf("b%d-%d", round, i), HouseholdID: f.homeB.ID,
				Role: nvr.RoleMember, Password: testPassword}); err != nil {
				t.Fatal(err)
			}
			if _, err := nvrtest.Operator(f.dir).AddHousehold(ctx, fmt.Sprintf("Beta %d-%d", round, i)); err != nil {
				t.Fatal(err)
			}
		}
		// A's family gets a household of its own, and its owner looks at
		// everything that names it.
		home, err := nvrtest.Operator(f.dir).AddHousehold(ctx, fmt.Sprintf("Alpha %d", round))
		if err != nil {
			t.Fatal(err)
		}
		f.addUser(fmt.Sprintf("own%d", round), home.ID, nvr.RoleOwner, false)
		owner := f.login(fmt.Sprintf("own%d", round))
		r = f.get("/api/me", owner)
		record("new home: me", r)
		ids = append(ids, string(decode[meResponse](t, r.body).HouseholdID))
		r = f.do(http.MethodPost, "/api/household/cameras", []any{owner}, `{"name":"Shed","main_url":"rtsp://192.0.2.40/main"}`)
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("round %d: add camera: %d %s", round, r.StatusCode, r.body)
		}
		record("new home: camera", r)
		record("new home: cameras", f.get("/api/cameras", owner))
		record("new home: members", f.get("/api/household/members", owner))
		// A adds a member to the household.
		r = f.do(http.MethodPost, "/api/household/members", []any{laptop},
			fmt.Sprintf(`{"name":"a%d","role":"viewer","password":%q}`, round, testPassword))
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("round %d: add member: %d %s", round, r.StatusCode, r.body)
		}
		record("member", r)
		ids = append(ids, decode[userResponse](t, r.body).ID)
		// A signs in once more and makes a token.
		f.login("ana")
		r = f.do(http.MethodPost, "/api/me/tokens", []any{laptop}, `{"name":"t","scope":"view"}`)
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("round %d: create token: %d %s", round, r.StatusCode, r.body)
		}
		record("token", r)
		ids = append(ids, decode[tokenResponse](t, r.body).ID)
		f.advance(time.Minute)
		at := f.clock()
		ev, err := f.store.CreateEvent(ctx, nvr.Event{CameraID: f.camA1.ID, Kind: nvr.EventMotion, Start: at, Last: at, CreatedAt: at})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		events = append(events, string(ev.ID))
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
	for _, id := range events {
		record("get", f.get("/api/events/"+id, bearer(token)))
	}
	sessions := f.get("/api/me/sessions", laptop)
	record("sessions", sessions)
	for _, s := range decode[struct {
		Sessions []sessionResponse `json:"sessions"`
	}](t, sessions.body).Sessions {
		ids = append(ids, s.ID)
	}
	record("tokens", f.get("/api/me/tokens", laptop))
	record("account page", f.get("/settings/account", laptop))
	record("me", f.get("/api/me", laptop))
	record("members", f.get("/api/household/members", laptop))
	record("people page", f.get("/settings/people", laptop))
	return strings.ReplaceAll(out.String(), setup, "<setup time>"), append(ids, events...)
}

var (
	hexIDPattern  = regexp.MustCompile(`[0-9a-f]{32}`)
	cursorPattern = regexp.MustCompile(`e[0-9]+\.[A-Za-z0-9_-]+`)
	// Per-run values that are not IDs: token secrets and client ports.
	secretPattern = regexp.MustCompile(`hth_[A-Za-z0-9_-]+`)
	portPattern   = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`)
)

// normalizeIDs replaces random IDs by their order of first appearance and
// opens cursors (base64 of their position), so two transcripts compare
// equal exactly when nothing in them but the random IDs differs.
func normalizeIDs(s string) string {
	s = secretPattern.ReplaceAllString(s, "<secret>")
	s = portPattern.ReplaceAllString(s, "127.0.0.1:<port>")
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

// TestIDsDoNotCountOtherHouseholds: an owner of household A must not learn
// how many events, accounts, sign-ins, API tokens or households the others
// had from anything A receives (issue 14, finding 3: sequential IDs showed
// B's activity in the gaps between A's own IDs, and a household's number
// how many were made before it). The same script runs twice, with B idle
// and with B making 40 events, accounts, sessions, tokens and households
// between each of A's; what A receives (answers, Location headers, listing
// cursors opened up, the account and people pages) must be the same but
// for the random IDs themselves.
func TestIDsDoNotCountOtherHouseholds(t *testing.T) {
	t.Parallel()
	quiet, quietIDs := transcriptOfA(t, 0)
	busy, busyIDs := transcriptOfA(t, 40)
	for _, id := range append(quietIDs, busyIDs...) {
		if _, err := nvr.ParsePublicID(id); err != nil {
			t.Fatalf("ID %q is not a random ID", id)
		}
	}
	q, b := strings.Split(normalizeIDs(quiet), "\n"), strings.Split(normalizeIDs(busy), "\n")
	for i := range min(len(q), len(b)) {
		if q[i] != b[i] {
			at := 0
			for at < min(len(q[i]), len(b[i])) && q[i][at] == b[i][at] {
				at++
			}
			q[i], b[i] = q[i][max(at-80, 0):], b[i][max(at-80, 0):]
			t.Fatalf("what A receives depends on B's activity; line %d:\nB idle: %s\nB busy: %s", i+1, q[i], b[i])
		}
	}
	if len(q) != len(b) {
		t.Fatalf("transcripts of %d and %d lines", len(q), len(b))
	}
	if len(quietIDs) != 5+4+4+4+5 { // events, households, members, tokens, sessions
		t.Fatalf("%d IDs handed out, want 22", len(quietIDs))
	}
	if !strings.Contains(quiet, `"next":"e`) {
		t.Fatalf("no cursor handed out, so none was compared:\n%s", quiet)
	}
}
