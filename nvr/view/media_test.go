package view_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/streams/hub"
	"github.com/hearthnvr/hearth/streams/webrtc"
	"github.com/hearthnvr/hearth/streams/webrtc/webrtctest"
)

// liveCamera is one simulated camera's hub, fed in real time (10 fps, a
// keyframe a second) until the test ends. It answers Hub for grants of its
// own camera only, as ingest does.
type liveCamera struct {
	id nvr.CameraID
	h  *hub.Hub
}

var _ view.Hubs = (*liveCamera)(nil)

func (c *liveCamera) Hub(g nvr.CameraGrant, stream string) (*hub.Hub, error) {
	if g.CameraID() != c.id || stream != "main" {
		return nil, nvr.Errorf("live view", nvr.KindUnavailable, "the camera is not streaming")
	}
	return c.h, nil
}

func startCamera(t *testing.T, id nvr.CameraID) *liveCamera {
	t.Helper()
	c := &liveCamera{id: id, h: hub.New(string(id), hub.Options{})}
	feed := nvrtest.NewUnitFeed(t, id, 10, 10, time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	// The first unit (a keyframe) is published before startCamera returns:
	// from the goroutine, a loaded machine let the test ask for the stream
	// before it existed ("not streaming yet").
	c.h.Publish(feed.Next())
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			c.h.Publish(feed.Next())
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait(); c.h.Close() })
	return c
}

// TestStartMSE: an MSE stream of the granted camera starts with its codec
// and an init segment, then fragments; it takes a registry slot until
// ended, and a closed hub ends it with ErrStreamEnded.
func TestStartMSE(t *testing.T) {
	t.Parallel()
	w := &liveWorld{}
	pol := nvr.NewPolicy(w.store(), policyClock, nil)
	sessions := view.NewLiveSessions(pol, view.LiveConfig{MaxPerCamera: 1, Now: policyClock})
	g := liveGrant(t, pol, testUserID, testCamID)
	if _, err := view.StartMSE(nil, sessions, g, "main"); nvr.ErrorKind(err) != nvr.KindUnavailable {
		t.Fatalf("without hubs: %v", err)
	}
	cam := startCamera(t, testCamID)
	if _, err := view.StartMSE(cam, sessions, g, "sub"); nvr.ErrorKind(err) != nvr.KindUnavailable {
		t.Fatalf("a stream that is not there: %v", err)
	}
	m, err := view.StartMSE(cam, sessions, g, "main")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := view.StartMSE(cam, sessions, g, "main"); nvr.ErrorKind(err) != nvr.KindUnavailable {
		t.Fatalf("past the camera's limit: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	first, err := m.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.Codec == "" || len(first.Init) < 8 || string(first.Init[4:8]) != "ftyp" {
		t.Fatalf("first part: codec %q, init %d bytes", first.Codec, len(first.Init))
	}
	var frags int
	for frags < 3 {
		p, err := m.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if p.Codec != "" {
			t.Fatalf("the codec announced again mid-stream: %q", p.Codec)
		}
		frags += len(p.Fragments)
	}
	cam.h.Close()
	for {
		_, err := m.Next(ctx)
		if errors.Is(err, view.ErrStreamEnded) {
			break
		}
		if err != nil {
			t.Fatalf("after the hub closed: %v", err)
		}
	}
	m.Close()
	m.Session.End(1, "stream ended")
	if n := sessions.Count(); n != 0 {
		t.Fatalf("%d sessions after the end", n)
	}
}

// startWHEPClient makes a real WebRTC peer expecting testCamID's frames
// and starts a WHEP session of live's main stream for it (its answer not
// yet applied).
func startWHEPClient(t *testing.T, live view.WebRTC, g nvr.CameraGrant) (*webrtctest.Client, view.WHEPAnswer) {
	t.Helper()
	client, err := webrtctest.New(webrtctest.Options{WantID: string(testCamID)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	offer, err := client.Offer()
	if err != nil {
		t.Fatal(err)
	}
	ans, err := live.StartWHEP(context.Background(), g, view.WHEPOffer{SDP: offer, Stream: "main"})
	if err != nil {
		t.Fatal(err)
	}
	return client, ans
}

// TestStartWHEP: a WHEP session of the granted camera delivers that
// camera's frames to a real WebRTC peer; its owner finds it again by ID
// (and no one else does), a malformed trickle fragment is refused as
// invalid, and Close frees its slot at once.
func TestStartWHEP(t *testing.T) {
	t.Parallel()
	w := &liveWorld{}
	pol := nvr.NewPolicy(w.store(), policyClock, nil)
	sessions := view.NewLiveSessions(pol, view.LiveConfig{Now: policyClock})
	g := liveGrant(t, pol, testUserID, testCamID)
	ctx := context.Background()
	if _, err := (view.WebRTC{}).StartWHEP(ctx, g, view.WHEPOffer{Stream: "main"}); nvr.ErrorKind(err) != nvr.KindUnavailable {
		t.Fatalf("without an engine: %v", err)
	}
	engine, err := webrtc.Listen(webrtc.Config{IPFilter: webrtc.LoopbackOnly})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(engine.Close)
	live := view.WebRTC{Engine: engine, Hubs: startCamera(t, testCamID), Sessions: sessions}
	if _, err := live.StartWHEP(ctx, g, view.WHEPOffer{Stream: "main", Start: time.Now()}); nvr.ErrorKind(err) != nvr.KindUnavailable {
		t.Fatalf("recorded playback without recordings: %v", err)
	}
	if _, err := live.StartWHEP(ctx, g, view.WHEPOffer{SDP: "v=0 not an offer", Stream: "main"}); nvr.ErrorKind(err) != nvr.KindInvalid {
		t.Fatalf("a broken offer: %v", err)
	}
	if n := sessions.Count(); n != 0 {
		t.Fatalf("refused sessions hold %d slots", n)
	}

	client, ans := startWHEPClient(t, live, g)
	if ans.Video != view.CodecH264 || ans.ETag == "" || ans.Session == nil {
		t.Fatalf("answer: video %q, etag %q", ans.Video, ans.ETag)
	}
	if err := client.Answer(ans.SDP); err != nil {
		t.Fatal(err)
	}
	if err := client.WaitFrames(5, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if st := client.Stats(); st.WrongID != 0 {
		t.Fatalf("%d frames of another camera", st.WrongID)
	}

	other := liveGrant(t, pol, testUserID+1, testCamID)
	if _, err := live.WHEPSession(other, ans.Session.ID); nvr.ErrorKind(err) != nvr.KindNotFound {
		t.Fatalf("another user's session: %v", err)
	}
	sess, err := live.WHEPSession(g, ans.Session.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sess.ID() != ans.Session.ID || sess.ETag() != ans.ETag {
		t.Fatalf("found %s %s, started %s %s", sess.ID(), sess.ETag(), ans.Session.ID, ans.ETag)
	}
	if _, _, err := sess.Trickle([]byte("not a fragment\x00")); nvr.ErrorKind(err) != nvr.KindInvalid {
		t.Fatalf("a malformed fragment: %v", err)
	}
	sess.Close()
	if n := sessions.Count(); n != 0 {
		t.Fatalf("%d sessions after Close", n)
	}
	if _, err := live.WHEPSession(g, ans.Session.ID); nvr.ErrorKind(err) != nvr.KindNotFound {
		t.Fatalf("an ended session: %v", err)
	}
}

// TestMediaHeldWhileUnverified: once a session's grant has gone undecided
// for LiveUnverifiedLimit (the database fails), neither MSE nor WHEP hands
// out another frame; when the database answers again both flow on, the
// sessions still open. Nothing here bounds how fast the machine is: the
// hold is certain once a second has passed with every read failing, and
// the resumption is waited for.
func TestMediaHeldWhileUnverified(t *testing.T) {
	t.Parallel()
	w := &liveWorld{}
	pol := nvr.NewPolicy(w.store(), policyClock, nil)
	sessions := view.NewLiveSessions(pol, view.LiveConfig{Recheck: 20 * time.Millisecond, Now: policyClock})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = sessions.Run(ctx) }()
	defer func() { cancel(); <-done }()
	g := liveGrant(t, pol, testUserID, testCamID)
	cam := startCamera(t, testCamID)

	m, err := view.StartMSE(cam, sessions, g, "main")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	engine, err := webrtc.Listen(webrtc.Config{IPFilter: webrtc.LoopbackOnly})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(engine.Close)
	live := view.WebRTC{Engine: engine, Hubs: cam, Sessions: sessions}
	client, ans := startWHEPClient(t, live, g)
	if err := client.Answer(ans.SDP); err != nil {
		t.Fatal(err)
	}
	if err := client.WaitFrames(3, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	// drain reads MSE parts until one is withheld for d; it reports whether
	// one was within 50 parts (5 s of the camera's).
	drain := func(d time.Duration) bool {
		for range 50 {
			pctx, pcancel := context.WithTimeout(ctx, d)
			_, err := m.Next(pctx)
			pcancel()
			if errors.Is(err, context.DeadlineExceeded) {
				return true
			}
			if err != nil {
				t.Fatalf("MSE: %v", err)
			}
		}
		return false
	}

	w.failing.Store(true)
	time.Sleep(view.LiveUnverifiedLimit + 200*time.Millisecond)
	// From here on every unit is held: the camera publishes ten a second,
	// and none may pass in the next second.
	if !drain(time.Second) {
		t.Fatal("MSE parts went on with the grant undecided")
	}
	before := client.Stats().Frames
	time.Sleep(time.Second)
	if n := client.Stats().Frames - before; n > 0 {
		t.Fatalf("WHEP: %d frames with the grant undecided for over a second", n)
	}

	w.failing.Store(false)
	pctx, pcancel := context.WithTimeout(ctx, 30*time.Second)
	defer pcancel()
	if _, err := m.Next(pctx); err != nil {
		t.Fatalf("MSE after the database came back: %v", err)
	}
	if err := client.WaitFrames(before+3, 30*time.Second); err != nil {
		t.Fatalf("WHEP after the database came back: %v", err)
	}
	if r := m.Session.StopReason() + ans.Session.StopReason(); r != "" {
		t.Fatalf("stopped by a database that failed for about 3 s: %q", r)
	}
}
