package mqtt_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
	nvrevents "github.com/hearthnvr/hearth/nvr/events"
	"github.com/hearthnvr/hearth/nvr/ingest"
	"github.com/hearthnvr/hearth/nvr/mqtt"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/nvr/record"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// The tests talk to a real mosquitto broker, started per test on a free
// loopback port, and read what Hearth published with the independent
// mosquitto_sub client. A missing peer fails the test (.ci/deps installs
// it): an MQTT adapter proven against nothing is not proven.

var cheapArgon = nvr.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}

const brokerPassword = "s3cret-broker-pw-9f2c"

// broker is a mosquitto process on 127.0.0.1 (testpeer.Mosquitto), with
// the user "hearth" when made withUser.
type broker struct {
	*testpeer.Mosquitto
	t    *testing.T
	user string // "": anonymous
}

// newBroker writes the broker's config; withUser adds a password file and
// refuses anonymous clients. Start it with Start.
func newBroker(t *testing.T, withUser bool) *broker {
	t.Helper()
	b := &broker{t: t}
	if withUser {
		b.user = "hearth"
	}
	b.Mosquitto = testpeer.NewMosquitto(t, b.user, brokerPassword)
	return b
}

// pub publishes with mosquitto_pub.
func (b *broker) pub(topic, payload string) {
	b.t.Helper()
	b.Pub(context.Background(), topic, payload)
}

// msg is one message mosquitto_sub printed.
type msg struct {
	retained bool
	topic    string
	payload  []byte
}

// collector runs mosquitto_sub on a filter and keeps every message.
type collector struct {
	mu   sync.Mutex
	msgs []msg
}

// subscribe starts mosquitto_sub (-F: retained flag, topic and payload in
// hex, one message a line, so a JPEG cannot break the framing).
func (b *broker) subscribe(filter string) *collector {
	b.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := b.Client(ctx, "mosquitto_sub", "-t", filter, "-q", "1", "-F", "%r\t%t\t%x")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.t.Fatalf("mosquitto_sub: %v", err)
	}
	c := &collector{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 32<<20)
		for sc.Scan() {
			f := strings.SplitN(sc.Text(), "\t", 3)
			if len(f) != 3 {
				continue
			}
			p, _ := hex.DecodeString(f[2])
			c.mu.Lock()
			c.msgs = append(c.msgs, msg{retained: f[0] == "1", topic: f[1], payload: p})
			c.mu.Unlock()
		}
	}()
	b.t.Cleanup(func() { cancel(); <-done; _ = cmd.Wait() })
	return c
}

func (c *collector) all() []msg {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]msg(nil), c.msgs...)
}

// last is the newest message on topic.
func (c *collector) last(topic string) (msg, bool) {
	ms := c.all()
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].topic == topic {
			return ms[i], true
		}
	}
	return msg{}, false
}

func (c *collector) count(pred func(msg) bool) int {
	n := 0
	for _, m := range c.all() {
		if pred(m) {
			n++
		}
	}
	return n
}

// waitFor polls cond until it holds or limit passes (a bounded loop, not a
// timing assertion).
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// logBuffer keeps the adapter's log for assertions.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// statusFake reports every camera streaming and recording: the adapter's
// own mapping of measured status is what these tests read (the real
// ingest and recorder are in cmd/hearth's end-to-end test).
type statusFake struct {
	status func(g nvr.CameraGrant) ingest.CameraStatus
}

func (f statusFake) Status(g nvr.CameraGrant) ingest.CameraStatus { return f.status(g) }

var _ mqtt.Status = statusFake{}

// world is a real database with two households, their people and cameras,
// the real policy, directory and events, and the adapter.
type world struct {
	t      *testing.T
	ctx    context.Context
	store  *db.DB
	ops    nvrtest.Ops
	dir    *nvr.Directory
	policy *nvr.Policy
	events *nvrevents.Events
	queue  *mqtt.EventQueue
	log    *logBuffer

	hA, hB                  nvr.Household
	ownerA, viewerA, ownerB nvr.User
	camA1, camA2, camB1     nvr.Camera
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	store, err := db.Open(ctx, filepath.Join(t.TempDir(), "hearth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	w := &world{t: t, ctx: ctx, store: store, log: &logBuffer{}}
	w.dir = nvr.NewDirectory(store, time.Now, cheapArgon)
	w.ops = nvrtest.Operator(w.dir)
	w.policy = nvr.NewPolicy(store, time.Now, nil)
	w.queue = mqtt.NewEventQueue(64)
	w.events = nvrevents.NewEvents(nvrevents.EventsConfig{Store: store, Policy: w.policy, Cameras: store, DataDir: t.TempDir(),
		MergeGap: 500 * time.Millisecond, Tick: 100 * time.Millisecond, Poll: 200 * time.Millisecond,
		OnOpen: w.queue.Opened, OnClose: w.queue.Closed})
	done := make(chan struct{})
	go func() { defer close(done); _ = w.events.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	w.hA, err = w.ops.AddHousehold(ctx, "Alpha")
	must(err)
	w.hB, err = w.ops.AddHousehold(ctx, "Bravo")
	must(err)
	user := func(name string, h nvr.HouseholdID, r nvr.Role) nvr.User {
		u, err := w.ops.AddUser(ctx, nvr.NewUser{Name: name, HouseholdID: h, Role: r, Password: "correct horse battery"})
		must(err)
		return u
	}
	w.ownerA = user("anna", w.hA.ID, nvr.RoleOwner)
	w.viewerA = user("vic", w.hA.ID, nvr.RoleViewer)
	w.ownerB = user("bert", w.hB.ID, nvr.RoleOwner)
	cam := func(name string, h nvr.HouseholdID) nvr.Camera {
		c, err := w.ops.AddCamera(ctx, nvr.NewCamera{HouseholdID: h, Name: name, MainURL: "rtsp://127.0.0.1:9/" + name})
		must(err)
		post := time.Second
		c, err = w.ops.EditCamera(ctx, c.ID, nvr.CameraChanges{PostRoll: &post})
		must(err)
		return c
	}
	w.camA1 = cam("alpha-porch", w.hA.ID)
	w.camA2 = cam("alpha-garden", w.hA.ID)
	w.camB1 = cam("bravo-door", w.hB.ID)
	must(w.ops.AssignCamera(ctx, w.viewerA.ID, w.camA1.ID))
	return w
}

// integrate adds household h's integration for user u.
func (w *world) integrate(h nvr.Household, u nvr.User, discovery string) nvr.Integration {
	w.t.Helper()
	in, err := w.ops.Admin().AddIntegration(w.ctx, h, u.Name, "", discovery)
	if err != nil {
		w.t.Fatalf("add integration: %v", err)
	}
	return in
}

// run starts the adapter against b until the test ends; stop ends it
// sooner (a restart of Hearth).
func (w *world) run(b *broker) (stop func()) {
	w.t.Helper()
	return w.runWith(b, b.URL(), "")
}

// runWith is run with a broker URL and CA file of the test's choosing.
func (w *world) runWith(b *broker, url, caFile string) (stop func()) {
	w.t.Helper()
	cfg := mqtt.Config{BrokerURL: url, CAFile: caFile, Interval: 200 * time.Millisecond,
		Log: slog.New(slog.NewTextHandler(w.log, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if b.user != "" {
		cfg.Username, cfg.Password = b.user, brokerPassword
	}
	svc, err := mqtt.New(cfg, mqtt.Deps{Policy: w.policy, Integrations: w.store, Events: w.events, Cameras: w.dir,
		Queue: w.queue, Status: statusFake{status: func(g nvr.CameraGrant) ingest.CameraStatus {
			return ingest.CameraStatus{State: "streaming", Recording: record.RecordingActive}
		}}})
	if err != nil {
		w.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(w.ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = svc.Run(ctx) }()
	stop = func() { cancel(); <-done }
	w.t.Cleanup(stop)
	return stop
}
