package events

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db/dbtest"
	"github.com/hearthnvr/hearth/nvr"
)

// personNotify is a camera's Notify of a person appearing.
const personNotify = `<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:tt="http://www.onvif.org/ver10/schema">` +
	`<s:Body><wsnt:Notify><wsnt:NotificationMessage><wsnt:Topic>tns1:RuleEngine/MyRuleDetector/PeopleDetect</wsnt:Topic><wsnt:Message>` +
	`<tt:Message UtcTime="2026-12-06T21:00:00Z" PropertyOperation="Changed"><tt:Source><tt:SimpleItem Name="Rule" Value="Forged"/></tt:Source>` +
	`<tt:Data><tt:SimpleItem Name="State" Value="true"/></tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify></s:Body></s:Envelope>`

// onvifTestTerm is the subscriptions' term in these tests: renewed each
// second, they must outlive it several times over.
const onvifTestTerm = 2 * time.Second

// notifyEndpoint serves NotifyPath as the HTTP layer does (ui's
// handleONVIFNotify: the statuses of the error kinds), on the port given
// to Events, and remembers the capabilities cameras used.
type notifyEndpoint struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []string
	last time.Time // when the latest Notify was taken
}

func newNotifyEndpoint(t *testing.T, e func() *Events) *notifyEndpoint {
	t.Helper()
	n := &notifyEndpoint{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+NotifyPath+"{capability}", func(w http.ResponseWriter, r *http.Request) {
		capability := r.PathValue("capability")
		body, _ := io.ReadAll(io.LimitReader(r.Body, MaxNotifyBody+1))
		err := e().Notify(capability, body)
		if err == nil {
			n.mu.Lock()
			if !strings.Contains(strings.Join(n.seen, " "), capability) {
				n.seen = append(n.seen, capability)
			}
			n.last = time.Now()
			n.mu.Unlock()
		}
		w.WriteHeader(map[nvr.Kind]int{0: http.StatusOK, nvr.KindNotFound: 404, nvr.KindTooLarge: 413, nvr.KindInvalid: 400, nvr.KindUnavailable: 503}[kindOf(err)])
	})
	n.srv = httptest.NewServer(mux)
	t.Cleanup(n.srv.Close)
	return n
}

func kindOf(err error) nvr.Kind {
	if err == nil {
		return 0
	}
	return nvr.ErrorKind(err)
}

func (n *notifyEndpoint) lastNotify() time.Time {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.last
}

func (n *notifyEndpoint) capabilities() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.seen...)
}

// TestCameraEventsPushed, on a real SQLite file against a simcam without
// a pull point: a camera whose event source is "camera" is subscribed
// with base notification, to the address derived from the route toward
// the camera and the port Hearth listens on, and its scripted person
// detection, pushed, becomes a trigger event labelled "person
// (PeopleRule)". Notify refuses an unknown capability (not found), an
// oversized body (too large) and what is no Notify (invalid). Switching
// the source to Hearth's detector unsubscribes and kills the capability;
// switching back makes a new one.
func TestCameraEventsPushed(t *testing.T) {
	t.Parallel()
	const user, pass = "admin", "onvif-push-pw"
	sim := startONVIFSimcam(t, user, pass, true)

	w := dbtest.NewWorld(t, nil)
	main, onvifURL, src, local, u, pw := sim.URL(1), "http://"+sim.ONVIFAddr(), nvr.EventSourceCamera, true, user, nvr.NewSecret(pass)
	cam := w.Camera(t, nvr.CameraChanges{MainURL: &main, ONVIFURL: &onvifURL, EventSource: &src, LocalOK: &local, Username: &u, Password: &pw})
	var e *Events
	endpoint := newNotifyEndpoint(t, func() *Events { return e })
	port := endpoint.srv.Listener.Addr().(*net.TCPAddr).Port
	e = NewEvents(EventsConfig{Store: w.DB, Cameras: w.DB, DataDir: t.TempDir(), Tick: 20 * time.Millisecond, Poll: 50 * time.Millisecond,
		CallbackPort: port, ONVIFTerm: onvifTestTerm})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("events did not stop")
		}
	}()

	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !cond(); {
			if time.Now().After(deadline) {
				t.Fatalf("no %s within 30 s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	personEvent := func() bool {
		for _, ev := range allEvents(t, w.DB) {
			if ev.CameraID == cam.ID && ev.Kind == nvr.EventTrigger && ev.Label == "person (PeopleRule)" {
				return true
			}
		}
		return false
	}
	waitFor("pushed person event", personEvent)
	caps := endpoint.capabilities()
	if len(caps) != 1 || len(caps[0]) != 32 {
		t.Fatalf("capabilities used %q, want one of 128 bits", caps)
	}
	old := caps[0]
	if n := sim.ONVIFSubscriptions(); n != 1 {
		t.Errorf("%d subscriptions, want 1", n)
	}
	// Renewed at half its term, the subscription outlives three terms:
	// the camera still pushes (it stops at its termination time unless
	// renewed) to the same capability.
	outlived := time.Now().Add(3 * onvifTestTerm)
	waitFor("a Notify three terms on", func() bool { return endpoint.lastNotify().After(outlived) })
	if caps := endpoint.capabilities(); len(caps) != 1 || sim.ONVIFSubscriptions() != 1 || sim.ONVIFSubscriptionsMade() != 1 {
		t.Fatalf("after three terms: capabilities %d, subscriptions %d (%d made); want the one subscription renewed",
			len(caps), sim.ONVIFSubscriptions(), sim.ONVIFSubscriptionsMade())
	}

	post := func(capability, body string) int {
		t.Helper()
		resp, err := http.Post(endpoint.srv.URL+NotifyPath+capability, "application/soap+xml", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post(strings.Repeat("0", 32), personNotify); got != http.StatusNotFound {
		t.Errorf("unknown capability: %d, want 404", got)
	}
	if got := post(old, personNotify[:len(personNotify)-20]+strings.Repeat(" ", MaxNotifyBody)+"</s:Envelope>"); got != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized: %d, want 413", got)
	}
	if got := post(old, "<html>no</html>"); got != http.StatusBadRequest {
		t.Errorf("not a Notify: %d, want 400", got)
	}

	hearth := nvr.EventSourceHearth
	if _, err := w.Ops.EditCamera(context.Background(), cam.ID, nvr.CameraChanges{EventSource: &hearth}); err != nil {
		t.Fatal(err)
	}
	e.Reconcile()
	waitFor("unsubscribe", func() bool { return sim.ONVIFSubscriptions() == 0 && !e.HasCapability(old) })
	if got := post(old, personNotify); got != http.StatusNotFound {
		t.Errorf("the changed camera's old capability: %d, want 404", got)
	}

	camera := nvr.EventSourceCamera
	if _, err := w.Ops.EditCamera(context.Background(), cam.ID, nvr.CameraChanges{EventSource: &camera}); err != nil {
		t.Fatal(err)
	}
	e.Reconcile()
	waitFor("a new capability in use", func() bool { return len(endpoint.capabilities()) == 2 })
	if got := post(old, personNotify); got != http.StatusNotFound {
		t.Errorf("old capability after resubscribing: %d, want 404", got)
	}
}
