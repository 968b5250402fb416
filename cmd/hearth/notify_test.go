package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/cmd/internal/stamps"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/notify"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// notifyPeer is an HTTP receiver on the loopback that notes when each
// request arrived.
type notifyPeer struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []notifyHit
	code int // the answer's status; 0: 200
}

type notifyHit struct {
	at     time.Time
	method string
	header http.Header
	body   []byte
}

func newNotifyPeer(t *testing.T) *notifyPeer { return newNotifyPeerAnswering(t, 0) }

// newNotifyPeerAnswering answers every request with code (0: 200).
func newNotifyPeerAnswering(t *testing.T, code int) *notifyPeer {
	p := &notifyPeer{code: code}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		b, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.got = append(p.got, notifyHit{at: at, method: r.Method, header: r.Header.Clone(), body: b})
		p.mu.Unlock()
		if p.code != 0 {
			w.WriteHeader(p.code)
		}
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *notifyPeer) hits() []notifyHit {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.got)
}

// TestNotifyEndToEnd runs the production wiring with simulated cameras in
// two households: each owner is told of motion at their own camera only,
// on their phone's ntfy topic (the thumbnail attached, read back from its
// pixels as that camera's) or a signed webhook; the delay from the
// motion to the message is measured; a disabled user is told nothing
// more; a camera that goes dark is announced offline. A channel whose
// receiver refuses its messages is shown as not delivered, with why, on
// its user's page.
func TestNotifyEndToEnd(t *testing.T) {
	t.Parallel()
	testpeer.Require(t, "ffmpeg")
	data := t.TempDir()
	mustCLI(t, "", "household", "add", "Alpha", "--data", data)
	mustCLI(t, "", "household", "add", "Bravo", "--data", data)
	mustCLI(t, sitePassword+"\n", "user", "add", "ana", "--household", "Alpha", "--role", "owner", "--data", data)
	mustCLI(t, sitePassword+"\n", "user", "add", "bo", "--household", "Bravo", "--role", "owner", "--data", data)
	camA := addCamera(t, data, "Alpha", "Front door", "rtsp://127.0.0.1:9/unset")
	camB := addCamera(t, data, "Bravo", "Porch", "rtsp://127.0.0.1:9/unset")

	sched := simcam.Schedule{Start: time.Now().Truncate(time.Second), Still: 14 * time.Second, Move: 2 * time.Second}
	sims := map[string]*simcam.Server{}
	stops := map[string]func(){}
	for _, id := range []string{camA, camB} {
		sim, err := simcam.Listen(simcam.ServerConfig{Addr: "127.0.0.1:0",
			Cameras: []simcam.CameraConfig{{ID: id, FPS: 10, GOP: 10, Schedule: sched}}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = sim.Run(ctx); close(done) }()
		var once sync.Once
		stops[id] = func() { once.Do(func() { cancel(); <-done }) }
		t.Cleanup(stops[id])
		sims[id] = sim
		mustCLI(t, "", "camera", "edit", id, "--main", sim.URL(1), "--motion", "bitstream", "--data", data)
	}

	phone, hook, moved := newNotifyPeer(t), newNotifyPeer(t), newNotifyPeerAnswering(t, http.StatusNotFound)
	mustCLI(t, "", "notify", "channel", "add", "ana", "--kind", "ntfy", "--target", phone.srv.URL+"/ana-phone", "--allow-local", "--data", data)
	// A webhook whose receiver has gone (Home Assistant's automation
	// deleted): it answers 404 to every message.
	mustCLI(t, "", "notify", "channel", "add", "ana", "--kind", "webhook", "--name", "Old automation", "--target", moved.srv.URL+"/api/webhook/gone-token", "--allow-local", "--data", data)
	mustCLI(t, "hook key\n", "notify", "channel", "add", "bo", "--kind", "webhook", "--target", hook.srv.URL, "--secret-stdin", "--allow-local", "--data", data)
	mustCLI(t, "", "notify", "rule", "add", "ana", "--kinds", "motion,offline,online", "--data", data)
	mustCLI(t, "", "notify", "rule", "add", "bo", "--kinds", "motion", "--data", data)
	if out := mustCLI(t, "", "notify", "channel", "list", "bo", "--data", data); strings.Contains(out, "hook key") || !strings.Contains(out, "set") {
		t.Fatalf("channel list shows the secret or hides that one is set:\n%s", out)
	}

	srv := startServer(t, data, "--public-url", "https://nvr.lan", "--offline-grace", "5s", "--log-level", "debug")

	// Two movements' messages for each owner.
	waitFor := func(bound time.Duration, what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(bound)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within %v\n%s", what, bound, srv.stderr.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitFor(90*time.Second, "two motion messages to each owner", func() bool { return len(phone.hits()) >= 2 && len(hook.hits()) >= 2 })

	// A message waits at most ThumbWait (3 s) for its event's thumbnail,
	// then goes without: on a loaded machine one may. Every picture sent
	// must be of the owner's own camera, and each owner must get one.
	var delays []time.Duration
	pictured := map[string]int{}
	for _, h := range phone.hits() {
		if !strings.Contains(h.header.Get("Click"), "/cameras/"+camA+"?t=") {
			t.Fatalf("ana's message names another camera: %q", h.header.Get("Click"))
		}
		if h.method == http.MethodPut && strings.HasSuffix(h.header.Get("Filename"), ".jpg") {
			if !strings.Contains(h.header.Get("Filename"), camA) {
				t.Fatalf("ana's picture is named for another camera: %q", h.header.Get("Filename"))
			}
			id, err := stamps.ThumbnailCamera("image/jpeg", h.body)
			if err != nil || id != camA {
				t.Fatalf("ana's thumbnail shows camera %q (%v), want %s", id, err, camA)
			}
			pictured["ana"]++
		}
		click, err := url.Parse(h.header.Get("Click"))
		if err != nil {
			t.Fatal(err)
		}
		at, err := time.Parse(time.RFC3339, click.Query().Get("t"))
		if err != nil {
			t.Fatal(err)
		}
		moveStart, _ := sched.NextMove(at.Add(-2 * time.Second))
		delays = append(delays, h.at.Sub(moveStart))
	}
	for _, h := range hook.hits() {
		var p notify.WebhookPayload
		if err := json.Unmarshal(h.body, &p); err != nil {
			t.Fatal(err)
		}
		if p.Camera == nil || p.Camera.ID != nvr.CameraID(camB) || p.Kind != "motion" {
			t.Fatalf("bo got %+v", p)
		}
		if h.header.Get(notify.SignatureHeader) != notify.Sign([]byte("hook key"), h.body) {
			t.Fatal("bo's webhook signature does not match")
		}
		if len(p.Thumbnail) > 0 {
			if id, err := stamps.ThumbnailCamera("image/jpeg", p.Thumbnail); err != nil || id != camB {
				t.Fatalf("bo's thumbnail shows camera %q (%v), want %s", id, err, camB)
			}
			pictured["bo"]++
		}
		moveStart, _ := sched.NextMove(p.Event.Start.Add(-2 * time.Second))
		delays = append(delays, h.at.Sub(moveStart))
	}
	if pictured["ana"] == 0 || pictured["bo"] == 0 {
		t.Fatalf("messages with a picture: %v of %d and %d, want one for each owner at least", pictured, len(phone.hits()), len(hook.hits()))
	}
	slices.Sort(delays)
	t.Logf("motion to message received (thumbnail attached), %d messages: min %v, median %v, max %v",
		len(delays), delays[0].Round(time.Millisecond), delays[len(delays)/2].Round(time.Millisecond), delays[len(delays)-1].Round(time.Millisecond))
	if worst := delays[len(delays)-1]; worst > 20*time.Second {
		t.Errorf("a message came %v after its motion (target 2 s; bound 10x)", worst)
	}

	// Disable bo: the next motion at his camera is decided and refused.
	mustCLI(t, "", "user", "disable", "bo", "--data", data)
	refusedBefore := strings.Count(srv.stderr.String(), "notification not sent: not allowed now")
	sent := len(hook.hits())
	waitFor(60*time.Second, "bo's next message refused", func() bool {
		return strings.Count(srv.stderr.String(), "notification not sent: not allowed now") > refusedBefore
	})
	if n := len(hook.hits()); n != sent {
		t.Fatalf("a disabled user got %d more messages", n-sent)
	}

	// Ana's camera goes dark: announced offline after the 5 s grace.
	stops[camA]()
	dark := time.Now()
	waitFor(60*time.Second, "offline announced to ana", func() bool {
		for _, h := range phone.hits() {
			if strings.Contains(h.header.Get("Tags"), "offline") {
				return true
			}
		}
		return false
	})
	t.Logf("offline announced %v after the camera stopped (grace 5 s)", time.Since(dark).Round(100*time.Millisecond))
	// And listed as an event of its own, to ana only.
	ana := newClient(t, srv.url)
	ana.login("ana", sitePassword)
	if code, body := ana.call("GET", "/api/events?kind=offline", ""); code != 200 || !strings.Contains(body, camA) || strings.Contains(body, camB) {
		t.Fatalf("ana's offline events: %d %s", code, body)
	}
	for _, h := range hook.hits() {
		if strings.Contains(string(h.body), camA) {
			t.Fatal("bo was told about ana's camera")
		}
	}

	// What became of ana's messages is on her page: her phone's channel
	// delivered; the gone webhook's not, with the receiver's answer and
	// never the token in its URL.
	if len(moved.hits()) == 0 {
		t.Fatal("the gone webhook was never tried")
	}
	code, page := ana.call("GET", "/settings/notifications", "")
	if code != 200 || !strings.Contains(page, `data-testid="channels-failing"`) || !strings.Contains(page, "Messages to “Old automation” are not arriving") {
		t.Fatalf("ana's notifications page does not say a channel is failing: %d\n%s", code, page)
	}
	rows := strings.Split(page, `data-testid="channel-row"`)[1:]
	if len(rows) != 2 {
		t.Fatalf("ana's page lists %d channels, want 2", len(rows))
	}
	for _, row := range rows {
		delivery := row[strings.Index(row, `data-testid="channel-delivery"`):]
		delivery = delivery[:strings.Index(delivery, "</td>")]
		switch {
		case strings.Contains(row, "Old automation"):
			if !strings.Contains(delivery, "Not delivered") || !strings.Contains(delivery, "404 Not Found") {
				t.Errorf("the gone webhook's row: %s", delivery)
			}
		case !strings.Contains(delivery, "Delivered"):
			t.Errorf("the phone's row: %s", delivery)
		}
	}
	if strings.Contains(page, "gone-token") {
		t.Fatal("the page shows the webhook's token")
	}
	code, body := ana.call("GET", "/api/notify/channels", "")
	if code != 200 || !strings.Contains(body, `"last_failure":"receiver answered 404 Not Found"`) || !strings.Contains(body, `"last_sent"`) || strings.Contains(body, "gone-token") {
		t.Fatalf("ana's channels in the API: %d %s", code, body)
	}
}
