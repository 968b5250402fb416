package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/events"
	"github.com/hearthnvr/hearth/nvr/notify"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

var cheapArgon2 = nvr.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}

// site is a real appliance minus media: a SQLite file, the policy, the
// directory, the event lifecycle and the notification service wired the
// way serve wires them, with two households.
type site struct {
	t      *testing.T
	data   string
	store  *db.DB
	pol    *nvr.Policy
	dir    *nvr.Directory
	op     nvrtest.Ops // the directory as the local operator changes it
	events *events.Events
	notes  *nvr.Notifications
	// cli is the local operator's grant, as the hearth CLI holds it, for
	// the settings the tests make for users.
	cli nvr.AdminGrant
	svc *notify.Service

	homeA, homeB       nvr.Household
	ownerA, ownerB     nvr.User
	viewerA            nvr.User
	camA1, camA2, camB nvr.Camera
	triggerA, triggerB nvr.Principal // owners' tokens, to make events
	last               map[nvr.CameraID]nvr.EventID
}

func newSite(t *testing.T, tune func(*notify.Config)) *site {
	t.Helper()
	ctx := context.Background()
	data := t.TempDir()
	store, err := db.Open(ctx, filepath.Join(data, "hearth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	s := &site{t: t, data: data, store: store, last: map[nvr.CameraID]nvr.EventID{}}
	s.pol = nvr.NewPolicy(store, nil, nil)
	s.dir = nvr.NewDirectory(store, nil, cheapArgon2)
	s.notes = nvr.NewNotifications(store, s.pol, nil, nil)
	s.cli = s.pol.LocalOperator()
	s.op = nvrtest.Operator(s.dir)
	op := s.op
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	s.homeA, err = op.AddHousehold(ctx, "Alpha")
	must(err)
	s.homeB, err = op.AddHousehold(ctx, "Bravo")
	must(err)
	user := func(name string, h nvr.HouseholdID, r nvr.Role) nvr.User {
		u, err := op.AddUser(ctx, nvr.NewUser{Name: name, HouseholdID: h, Role: r, Password: "a long enough password"})
		must(err)
		return u
	}
	s.ownerA = user("ana", s.homeA.ID, nvr.RoleOwner)
	s.ownerB = user("bo", s.homeB.ID, nvr.RoleOwner)
	s.viewerA = user("vic", s.homeA.ID, nvr.RoleViewer)
	cam := func(h nvr.HouseholdID, name string) nvr.Camera {
		c, err := op.AddCamera(ctx, nvr.NewCamera{HouseholdID: h, Name: name, MainURL: "rtsp://192.0.2.1/x"})
		must(err)
		// No post roll: each trigger is an event of its own.
		var zero time.Duration
		c, err = op.EditCamera(ctx, c.ID, nvr.CameraChanges{PostRoll: &zero})
		must(err)
		return c
	}
	s.camA1, s.camA2, s.camB = cam(s.homeA.ID, "Front door"), cam(s.homeA.ID, "Garden"), cam(s.homeB.ID, "Porch")
	must(op.AssignCamera(ctx, s.viewerA.ID, s.camA1.ID))
	token := func(u nvr.User) nvr.Principal {
		_, tok, err := op.CreateToken(ctx, u.ID, "trigger", nvr.ScopeAll, 0)
		must(err)
		return nvr.Principal{UserID: u.ID, Kind: nvr.CredentialToken, CredentialID: tok.ID, Scope: nvr.ScopeAll}
	}
	// Events are made by separate owners ("the doorbell"), so the
	// subscribers can be revoked while their households go on.
	s.triggerA, s.triggerB = token(user("bell-a", s.homeA.ID, nvr.RoleOwner)), token(user("bell-b", s.homeB.ID, nvr.RoleOwner))

	cfg := notify.Config{Store: store, Policy: s.pol, RetryBase: 20 * time.Millisecond, RetryCap: 100 * time.Millisecond,
		ThumbWait: 2 * time.Second, BaseURL: "https://nvr.lan", Location: time.UTC}
	if tune != nil {
		tune(&cfg)
	}
	var svc *notify.Service
	// No wait for Events.Run's start-up repair: it keeps the events this
	// process opened, so a trigger that comes first is not closed under
	// the lifecycle's feet (nvr/events' TestTriggerBeforeStartupRepair).
	s.events = events.NewEvents(events.EventsConfig{Store: store, Policy: s.pol, Cameras: store, DataDir: data,
		MergeGap: 100 * time.Millisecond, Tick: 50 * time.Millisecond,
		OnOpen: func(ev nvr.Event) { svc.Event(ev) }, Log: cfg.Log})
	cfg.Events = s.events
	svc = notify.New(cfg)
	s.svc = svc
	run(t, s.events.Run)
	run(t, s.svc.Run)
	return s
}

// run runs fn until the test ends and waits for it.
func run(t *testing.T, fn func(context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = fn(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// trigger makes a trigger event on cam as its household's owner, with a
// thumbnail (written as the thumbnailer would: the file, then the row)
// whose pixels carry the event's ID, so a receiver can tell which event a
// picture belongs to.
func (s *site) trigger(cam nvr.Camera, label string) nvr.Event {
	s.t.Helper()
	ctx := context.Background()
	// The camera's previous event must have closed, or this trigger
	// would extend it instead of opening one.
	if prev, ok := s.last[cam.ID]; ok {
		waitFor(s.t, 10*time.Second, "the previous event closed", func() bool {
			ev, err := s.store.Event(ctx, cam.ID, prev)
			return err == nil && !ev.Open()
		})
	}
	p := s.triggerA
	if cam.HouseholdID == s.homeB.ID {
		p = s.triggerB
	}
	g, err := s.pol.Camera(ctx, p, nvr.ActionTriggerEvent, cam.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	ev, err := s.events.Trigger(ctx, g, label, 50*time.Millisecond)
	if err != nil {
		s.t.Fatal(err)
	}
	full, err := s.store.Event(ctx, cam.ID, ev.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	dir := filepath.Join(events.ThumbnailsDir(s.data), string(cam.ID))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, strconv.FormatInt(full.Seq, 10)+".jpg"), stampJPEG(s.t, string(ev.ID)), 0o600); err != nil {
		s.t.Fatal(err)
	}
	if err := s.store.SetEventThumbnail(ctx, ev.ID, nvr.ThumbJPEG); err != nil {
		s.t.Fatal(err)
	}
	s.last[cam.ID] = ev.ID
	return ev
}

// stampJPEG draws a 32-hex-digit ID as 32 blocks of 16×16 pixels, one gray
// level per digit, and encodes it as a JPEG; readStamp reads it back.
func stampJPEG(t *testing.T, id string) []byte {
	img := image.NewGray(image.Rect(0, 0, 32*16, 16))
	for i := range len(id) {
		v, _ := strconv.ParseUint(id[i:i+1], 16, 8)
		for y := range 16 {
			for x := range 16 {
				img.SetGray(i*16+x, y, color.Gray{Y: uint8(v*16 + 8)})
			}
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readStamp(b []byte) (string, error) {
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	var id []byte
	for i := range 32 {
		r, _, _, _ := img.At(i*16+8, 8).RGBA()
		id = append(id, "0123456789abcdef"[min(int(r>>8)/16, 15)])
	}
	return string(id), nil
}

// receiver is an HTTP peer on the loopback that keeps what it is sent.
type receiver struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []received
	code int // answer status; 0: 200
	// hold, when set, makes each request wait until it is closed (after
	// the request is recorded), to keep a message in flight.
	hold chan struct{}
}

type received struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// setCode changes the answer status once requests may be arriving.
func (r *receiver) setCode(code int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.code = code
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{Method: req.Method, Path: req.URL.Path, Header: req.Header.Clone(), Body: body})
		code, hold := r.code, r.hold
		r.mu.Unlock()
		if hold != nil {
			<-hold
		}
		if code != 0 {
			w.WriteHeader(code)
			return
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) all() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// waitFor polls cond every 20 ms until it holds or the bound passes.
func waitFor(t *testing.T, bound time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, bound)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func webhookPayload(t *testing.T, r received) notify.WebhookPayload {
	t.Helper()
	var p notify.WebhookPayload
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("webhook body %q: %v", r.Body, err)
	}
	return p
}

// subscribe gives u a channel to target, as the admin (loopback targets
// need the admin), and a rule with thumbnails for kinds on every camera.
func (s *site) subscribe(u nvr.User, kind nvr.NotifyChannelKind, target, secret string, kinds ...nvr.NotifyKind) nvr.NotifyChannel {
	s.t.Helper()
	ctx := context.Background()
	ch, err := s.notes.AddChannelFor(ctx, s.cli, u.ID, nvr.NotifyChannel{Kind: kind, Name: string(kind), Target: target,
		Secret: nvr.NewSecret(secret), LocalOK: true})
	if err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.notes.AddRuleFor(ctx, s.cli, u.ID, nvr.NotifyRule{Kinds: kinds, Thumbnail: true}); err != nil {
		s.t.Fatal(err)
	}
	return ch
}
