package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/events"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/nvr/offsite"
)

// cheapArgon keeps password hashing fast in tests; production uses DefaultArgon2.
var cheapArgon = nvr.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}

const testPassword = "correct horse battery"

// fixture is a real SQLite database with two households, their people and
// cameras, behind a real Server on a loopback httptest listener.
type fixture struct {
	t        *testing.T
	store    *db.DB
	dir      *nvr.Directory
	srv      *Server
	ts       *httptest.Server
	now      time.Time
	clock    func() time.Time
	skew     atomic.Int64 // nanoseconds added to now by advance, race-free
	homeA    nvr.Household
	homeB    nvr.Household
	ownerA   nvr.User
	memberA  nvr.User
	viewerA  nvr.User
	ownerB   nvr.User
	admin    nvr.User
	camA1    nvr.Camera // assigned to viewerA
	camA2    nvr.Camera
	camB1    nvr.Camera
	canaryPw string
	events   *events.Events
	audits   *nvr.AuditQueue // denials' audit rows, written off the request path as in serve
	dataDir  string
	eventB   nvr.Event // a closed event of camB1, with a thumbnail
	copier   *offsite.Copier
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	store, err := db.Open(ctx, filepath.Join(t.TempDir(), "hearth.db"))
	if err != nil {
		t.Fatalf("open db: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	f := &fixture{t: t, store: store, now: time.Now()}
	f.clock = func() time.Time { return f.now.Add(time.Duration(f.skew.Load())) }
	f.dir = nvr.NewDirectory(store, f.clock, cheapArgon)
	f.audits = nvr.NewAuditQueue(store, 0, nil)
	qctx, stopQueue := context.WithCancel(ctx)
	queueDone := make(chan struct{})
	go func() { defer close(queueDone); _ = f.audits.Run(qctx) }()
	// Registered after the store's Close, so it runs first: the queue
	// drains into an open database.
	t.Cleanup(func() { stopQueue(); <-queueDone })
	policy := nvr.NewPolicy(store, f.clock, nil, nvr.WithDenialQueue(f.audits))
	auth := nvr.NewAuth(store, nvr.AuthConfig{Argon2: cheapArgon, Now: f.clock})
	f.dataDir = t.TempDir()
	// Not running: notices wait in it, so its figures are what a test
	// handed it.
	f.copier = offsite.NewCopier(offsite.Config{Targets: store})
	f.events = events.NewEvents(events.EventsConfig{Store: store, Policy: policy, Cameras: store, DataDir: f.dataDir, Now: f.clock})
	f.srv = NewServer(Config{}, Deps{Policy: policy, Auth: auth, Directory: f.dir, Events: f.events,
		Reviews: nvr.NewReviews(store, policy, f.clock), Now: f.clock, Shutters: nvr.NewShutters(store, f.clock),
		Notifications: nvr.NewNotifications(store, policy, nil, f.clock), VAPIDPublicKey: testVAPIDKey(t), EmailNotifications: true,
		Offsite: nvr.NewOffsite(store, f.clock).WithLocalDirs([]string{os.TempDir()}), OffsiteStatus: f.copier,
		Shares: nvr.NewShares(store, f.clock, cheapArgon), Viewing: nvr.NewViewingLog(store)})
	f.ts = httptest.NewServer(f.srv)
	t.Cleanup(f.ts.Close)

	f.homeA = must(nvrtest.Operator(f.dir).AddHousehold(ctx, "Alpha"))(t)
	f.homeB = must(nvrtest.Operator(f.dir).AddHousehold(ctx, "Beta"))(t)
	f.ownerA = f.addUser("ana", f.homeA.ID, nvr.RoleOwner, false)
	f.memberA = f.addUser("mo", f.homeA.ID, nvr.RoleMember, false)
	f.viewerA = f.addUser("vic", f.homeA.ID, nvr.RoleViewer, false)
	f.ownerB = f.addUser("bea", f.homeB.ID, nvr.RoleOwner, false)
	f.admin = f.addUser("root", 0, nvr.RoleMember, true)
	f.canaryPw = "CANARY-" + string(nvr.NewCameraID())[:8] + "-%21"
	f.camA1 = f.addCamera(f.homeA.ID, "Front door", "rtsp://cam:"+f.canaryPw+"@192.0.2.10/main")
	f.camA2 = f.addCamera(f.homeA.ID, "Garden", "rtsp://192.0.2.11/main")
	f.camB1 = f.addCamera(f.homeB.ID, "Beta porch", "rtsp://192.0.2.20/main")
	if err := nvrtest.Operator(f.dir).AssignCamera(ctx, f.viewerA.ID, f.camA1.ID); err != nil {
		t.Fatalf("assign: %v", err)
	}
	f.eventB = f.addEvent(f.camB1.ID, nvr.EventMotion, f.now.Add(-time.Hour), "beta-secret-label", []byte("beta-thumbnail"))
	return f
}

// addEvent stores a closed event of cam lasting 10 s from start, with a
// thumbnail file of data when data is not nil, as Events would.
func (f *fixture) addEvent(cam nvr.CameraID, kind nvr.EventKind, start time.Time, label string, data []byte) nvr.Event {
	f.t.Helper()
	return f.addScoredEvent(cam, kind, start, label, data, 0)
}

// addScoredEvent is addEvent with the detector's peak score.
func (f *fixture) addScoredEvent(cam nvr.CameraID, kind nvr.EventKind, start time.Time, label string, data []byte, score float64) nvr.Event {
	f.t.Helper()
	ctx := context.Background()
	ev := must(f.store.CreateEvent(ctx, nvr.Event{CameraID: cam, Kind: kind, Label: label, Start: start,
		Last: start.Add(10 * time.Second), CreatedAt: start, Score: score}))(f.t)
	if err := f.store.CloseEvent(ctx, ev.ID, start.Add(10*time.Second)); err != nil {
		f.t.Fatalf("close event: %v", err)
	}
	if data != nil {
		dir := filepath.Join(events.ThumbnailsDir(f.dataDir), string(cam))
		if err := os.MkdirAll(dir, 0o750); err != nil {
			f.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, strconv.FormatInt(ev.Seq, 10)+".jpg"), data, 0o640); err != nil {
			f.t.Fatal(err)
		}
		if err := f.store.SetEventThumbnail(ctx, ev.ID, nvr.ThumbJPEG); err != nil {
			f.t.Fatal(err)
		}
	}
	return must(f.store.Event(ctx, cam, ev.ID))(f.t)
}

// advance moves the fixture clock forward by d.
func (f *fixture) advance(d time.Duration) { f.skew.Add(int64(d)) }

func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatalf("setup: %v", err)
		}
		return v
	}
}

func (f *fixture) addUser(name string, h nvr.HouseholdID, r nvr.Role, admin bool) nvr.User {
	f.t.Helper()
	return must(nvrtest.Operator(f.dir).AddUser(context.Background(), nvr.NewUser{Name: name, HouseholdID: h, Role: r, Admin: admin, Password: testPassword}))(f.t)
}

func (f *fixture) addCamera(h nvr.HouseholdID, name, url string) nvr.Camera {
	f.t.Helper()
	return must(nvrtest.Operator(f.dir).AddCamera(context.Background(), nvr.NewCamera{HouseholdID: h, Name: name, MainURL: url}))(f.t)
}

// login returns the session cookie of a fresh login.
func (f *fixture) login(name string) *http.Cookie {
	f.t.Helper()
	resp := f.do(http.MethodPost, "/api/login", nil, `{"username":"`+name+`","password":"`+testPassword+`"}`)
	if resp.StatusCode != http.StatusOK {
		f.t.Fatalf("login %s: status %d: %s", name, resp.StatusCode, resp.body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookieName {
			return c
		}
	}
	f.t.Fatalf("login %s: no session cookie", name)
	return nil
}

type response struct {
	*http.Response
	body string
}

// do sends a request. Options: *http.Cookie, http.Header (merged).
func (f *fixture) do(method, path string, opts []any, body string) response {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.ts.URL+path, rd)
	if err != nil {
		f.t.Fatalf("new request: %v", err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, o := range opts {
		switch v := o.(type) {
		case *http.Cookie:
			req.AddCookie(v)
		case http.Header:
			for k, vs := range v {
				req.Header[k] = vs
			}
		}
	}
	// X-Test-Host sets the Host header (net/http takes it from req.Host).
	if h := req.Header.Get("X-Test-Host"); h != "" {
		req.Host = h
		req.Header.Del("X-Test-Host")
	}
	client := *f.ts.Client()
	// Redirects are answers to check (a page sends the browser to /login).
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{Response: resp, body: string(b)}
}

func (f *fixture) get(path string, opts ...any) response { return f.do(http.MethodGet, path, opts, "") }

func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.NewDecoder(bytes.NewReader([]byte(s))).Decode(&v); err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return v
}

func bearer(token string) http.Header { return http.Header{"Authorization": {"Bearer " + token}} }
