package onvif_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/onvif"
	"github.com/hearthnvr/hearth/streams/simcam"
)

const notifyOpen = `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:tt="http://www.onvif.org/ver10/schema"><s:Body>`

// TestParseNotify reads a camera's Notify into the Notifications Classify
// knows, and refuses what is not one: another element, a fault, a
// DOCTYPE, nesting too deep, a body over MaxBody, broken XML.
func TestParseNotify(t *testing.T) {
	t.Parallel()
	good := notifyOpen + `<wsnt:Notify><wsnt:NotificationMessage><wsnt:Topic Dialect="x">tns1:RuleEngine/MyRuleDetector/PeopleDetect</wsnt:Topic>` +
		`<wsnt:Message><tt:Message UtcTime="2026-12-06T21:00:00Z" PropertyOperation="Changed"><tt:Source><tt:SimpleItem Name="Rule" Value="Door"/></tt:Source>` +
		`<tt:Data><tt:SimpleItem Name="State" Value="true"/></tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify></s:Body></s:Envelope>`
	ns, err := onvif.ParseNotify([]byte(good))
	if err != nil || len(ns) != 1 {
		t.Fatalf("ParseNotify = %+v, %v", ns, err)
	}
	if d, ok := onvif.Classify(ns[0]); !ok || d != (onvif.Detection{Kind: onvif.KindPerson, Active: true, Label: "Door"}) {
		t.Errorf("classified %+v %v", d, ok)
	}
	many := notifyOpen + `<wsnt:Notify>` + strings.Repeat(`<wsnt:NotificationMessage><wsnt:Topic>tns1:VideoSource/MotionAlarm</wsnt:Topic></wsnt:NotificationMessage>`, 1000) +
		`</wsnt:Notify></s:Body></s:Envelope>`
	if ns, err := onvif.ParseNotify([]byte(many)); err != nil || len(ns) != 256 {
		t.Errorf("1000 messages: kept %d, %v; want 256", len(ns), err)
	}
	for name, body := range map[string]string{
		"not notify": notifyOpen + `<wsnt:Subscribe/></s:Body></s:Envelope>`,
		"fault":      notifyOpen + `<s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code></s:Fault></s:Body></s:Envelope>`,
		"doctype":    `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>` + notifyOpen + `<wsnt:Notify><wsnt:NotificationMessage><wsnt:Topic>&b;</wsnt:Topic></wsnt:NotificationMessage></wsnt:Notify></s:Body></s:Envelope>`,
		"deep":       notifyOpen + `<wsnt:Notify>` + strings.Repeat("<a>", 1000) + strings.Repeat("</a>", 1000) + `</wsnt:Notify></s:Body></s:Envelope>`,
		"broken":     notifyOpen + `<wsnt:Notify><wsnt:NotificationMessage>`,
		"empty":      ``,
		"no body":    `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"/>`,
	} {
		if ns, err := onvif.ParseNotify([]byte(body)); err == nil {
			t.Errorf("%s: accepted, %+v", name, ns)
		}
	}
	huge := []byte(notifyOpen + `<wsnt:Notify>` + strings.Repeat(" ", onvif.MaxBody) + `</wsnt:Notify></s:Body></s:Envelope>`)
	if _, err := onvif.ParseNotify(huge); !errors.Is(err, onvif.ErrTooLarge) {
		t.Errorf("huge: %v, want ErrTooLarge", err)
	}
}

// consumer is a notification consumer on loopback: every Notify POSTed
// to it is parsed and its notifications counted and queued (bounded).
type consumer struct {
	srv   *httptest.Server
	posts atomic.Int64
	got   chan onvif.Notification
}

func newConsumer(t *testing.T) *consumer {
	t.Helper()
	c := &consumer{got: make(chan onvif.Notification, 256)}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, onvif.MaxBody+1))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		ns, err := onvif.ParseNotify(body)
		if err != nil {
			t.Errorf("consumer: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		c.posts.Add(1)
		for _, n := range ns {
			select {
			case c.got <- n:
			default:
			}
		}
	}))
	t.Cleanup(c.srv.Close)
	return c
}

// next waits (bounded) for the next notification classified as a detection.
func (c *consumer) next(t *testing.T) onvif.Detection {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case n := <-c.got:
			if d, ok := onvif.Classify(n); ok {
				return d
			}
		case <-timeout:
			t.Fatal("no notification within 30 s")
		}
	}
}

// TestBaseNotificationSimcam: against a simcam without a pull point,
// Hearth's client learns there is none (the capability and the fault),
// subscribes with a consumer address, is pushed the scripted person
// detection appearing and going, renews, and unsubscribes, after which
// the camera pushes nothing more to it.
func TestBaseNotificationSimcam(t *testing.T) {
	t.Parallel()
	s := startSimcam(t, simcam.ONVIFConfig{PersonEvery: 200 * time.Millisecond, NoPullPoint: true})
	c := newClient(t, s.ONVIFAddr(), user, pass)
	ctx := ctxFor(t)
	if _, err := c.SyncTime(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := c.PullPointSupported(ctx); err != nil || ok {
		t.Fatalf("PullPointSupported = %v, %v; want false", ok, err)
	}
	var fault *onvif.Fault
	if _, err := c.CreatePullPoint(ctx, time.Minute); !errors.As(err, &fault) {
		t.Fatalf("CreatePullPoint on a device without one: %v, want a fault", err)
	}
	con := newConsumer(t)
	sub, err := c.Subscribe(ctx, con.srv.URL+"/onvif/notify/abc", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	first := sub.Expires
	d := con.next(t)
	for i := 0; i < 10 && !d.Active; i++ { // start from an appearance
		d = con.next(t)
	}
	if d != (onvif.Detection{Kind: onvif.KindPerson, Active: true, Label: "PeopleRule"}) {
		t.Fatalf("first detection %+v, want the person appearing", d)
	}
	if d := con.next(t); d != (onvif.Detection{Kind: onvif.KindPerson, Label: "PeopleRule"}) {
		t.Fatalf("second detection %+v, want the person going", d)
	}
	if err := sub.Renew(ctx, 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	if !sub.Expires.After(first) {
		t.Errorf("renewal did not extend: %v → %v", first, sub.Expires)
	}
	if err := sub.Unsubscribe(ctx); err != nil {
		t.Fatal(err)
	}
	if n := s.ONVIFSubscriptions(); n != 0 {
		t.Errorf("%d subscriptions left", n)
	}
	// simcam answers Unsubscribe once the pusher has ended; a second
	// subscription is the witness that an event raised now is pushed to
	// live subscribers, and not to the ended one.
	posts := con.posts.Load()
	witness := newConsumer(t)
	wsub, err := c.Subscribe(ctx, witness.srv.URL, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = wsub.Unsubscribe(ctx) }()
	witness.next(t)
	if n := con.posts.Load(); n != posts {
		t.Errorf("%d Notify after Unsubscribe", n-posts)
	}
}

// TestBaseNotificationExpires: a subscription not renewed ends at its
// termination time, and its pushing with it.
func TestBaseNotificationExpires(t *testing.T) {
	t.Parallel()
	s := startSimcam(t, simcam.ONVIFConfig{PersonEvery: 100 * time.Millisecond, NoPullPoint: true})
	c := newClient(t, s.ONVIFAddr(), user, pass)
	ctx := ctxFor(t)
	if _, err := c.SyncTime(ctx); err != nil {
		t.Fatal(err)
	}
	con := newConsumer(t)
	if _, err := c.Subscribe(ctx, con.srv.URL, time.Second); err != nil {
		t.Fatal(err)
	}
	con.next(t)
	for i := 0; i < 600 && s.ONVIFSubscriptions() != 0; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	if n := s.ONVIFSubscriptions(); n != 0 {
		t.Fatalf("%d subscriptions 30 s after a 1 s term", n)
	}
	posts := con.posts.Load()
	witness := newConsumer(t)
	if _, err := c.Subscribe(ctx, witness.srv.URL, time.Minute); err != nil {
		t.Fatal(err)
	}
	witness.next(t)
	witness.next(t)
	// The expired pusher may have had one POST in flight when it ended.
	if n := con.posts.Load(); n > posts+1 {
		t.Errorf("%d Notify after the termination time", n-posts)
	}
}

// TestPullPointSupportedSimcam: a device with a pull point says so.
func TestPullPointSupportedSimcam(t *testing.T) {
	t.Parallel()
	s := startSimcam(t, simcam.ONVIFConfig{})
	c := newClient(t, s.ONVIFAddr(), user, pass)
	ctx := ctxFor(t)
	if _, err := c.SyncTime(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := c.PullPointSupported(ctx); err != nil || !ok {
		t.Fatalf("PullPointSupported = %v, %v; want true", ok, err)
	}
}
