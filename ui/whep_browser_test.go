package ui

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/ui/browsertest"
)

// whepJS logs in as %[1]q (password %[3]q), negotiates WHEP for camera
// %[2]q with query %[4]q from the page (Hearth's own origin) into a
// <video id="v">, and resolves with the milliseconds from the start of
// negotiation to the first decoded frame.
const whepJS = `(async () => {
  const login = await fetch("/api/login", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({username: %[1]q, password: %[3]q})});
  if (!login.ok) throw new Error("login: " + login.status);
  const v = document.createElement("video");
  v.id = "v"; v.muted = true; v.autoplay = true; v.playsInline = true;
  document.body.appendChild(v);
  const pc = new RTCPeerConnection();
  window.pc = pc;
  pc.addTransceiver("video", {direction: "recvonly"});
  pc.addTransceiver("audio", {direction: "recvonly"});
  pc.ontrack = (e) => { if (e.track.kind === "video") v.srcObject = new MediaStream([e.track]); };
  const t0 = performance.now();
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((res) => {
    if (pc.iceGatheringState === "complete") return res();
    pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === "complete") res(); };
    setTimeout(res, 1000);
  });
  const r = await fetch("/api/cameras/" + %[2]q + "/whep" + %[4]q, {method: "POST",
    headers: {"Content-Type": "application/sdp"}, body: pc.localDescription.sdp});
  if (r.status !== 201) throw new Error("whep: " + r.status + " " + await r.text());
  window.whepLocation = r.headers.get("Location");
  await pc.setRemoteDescription({type: "answer", sdp: await r.text()});
  await new Promise((res, rej) => {
    v.requestVideoFrameCallback(() => res());
    setTimeout(() => rej(new Error("no decoded frame within 20 s (a hang, not a speed target); ice " + pc.iceConnectionState)), 20000);
  });
  return performance.now() - t0;
})()`

// framesDecodedJS resolves with the video receiver's framesDecoded.
const framesDecodedJS = `(async () => {
  let n = 0;
  (await window.pc.getStats()).forEach((s) => { if (s.type === "inbound-rtp" && s.kind === "video") n = s.framesDecoded; });
  return n;
})()`

// TestWHEPChromium: headless Chromium negotiates WHEP on Hearth's origin
// for a simulated camera pulled by real ingest; frames keep decoding, and
// the camera ID read from the decoded pixels is the camera asked for.
func TestWHEPChromium(t *testing.T) {
	t.Parallel()
	f := newLiveFixture(t, view.LiveConfig{})
	b := browsertest.Start(t)
	if err := b.Navigate(f.ts.URL + "/healthz"); err != nil {
		t.Fatal(err)
	}
	for _, cam := range []nvr.Camera{f.camA1, f.camA2} {
		if err := b.Navigate(f.ts.URL + "/healthz"); err != nil { // a fresh page per camera
			t.Fatal(err)
		}
		ms, err := browsertest.Eval[float64](b, fmt.Sprintf(whepJS, "ana", string(cam.ID), testPassword, ""))
		if err != nil {
			_ = b.Screenshot(filepath.Join(t.TempDir(), "whep.png"))
			t.Fatalf("camera %s: %v", cam.Name, err)
		}
		t.Logf("camera %s: time to first decoded frame in Chromium: %.0f ms", cam.Name, ms)

		n0, err := browsertest.Eval[int](b, framesDecodedJS)
		if err != nil {
			t.Fatal(err)
		}
		n := n0
		for deadline := time.Now().Add(2 * time.Second); n <= n0+5 && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
			if n, err = browsertest.Eval[int](b, framesDecodedJS); err != nil {
				t.Fatal(err)
			}
		}
		if n <= n0+5 {
			t.Fatalf("camera %s: framesDecoded %d → %d in 2 s", cam.Name, n0, n)
		}

		id := decodedCameraID(t, b, "#v", 3*time.Second)
		if id != string(cam.ID) {
			t.Fatalf("camera %s: pattern read %q; want %s", cam.Name, id, cam.ID)
		}
		loc, err := browsertest.Eval[string](b, `window.whepLocation`)
		if err != nil || loc == "" {
			t.Fatalf("location %q %v", loc, err)
		}
		if st, err := browsertest.Eval[int](b, `fetch(window.whepLocation, {method: "DELETE"}).then(r => r.status)`); err != nil || st != 200 {
			t.Fatalf("DELETE: %d %v", st, err)
		}
		t.Logf("camera %s: %s frames decoded, pattern ID %s", cam.Name, strconv.Itoa(n), id)
	}
}

// TestWHEPPlaybackChromium: recorded playback from a given instant in
// Chromium; the clock drawn in the decoded picture is within a GOP of it.
func TestWHEPPlaybackChromium(t *testing.T) {
	t.Parallel()
	f := newLiveFixture(t, view.LiveConfig{}, true)
	at := time.Now().UTC().Add(2 * time.Second).Truncate(time.Second)
	// Wait until footage past the instant is written (a GOP is 1 s here).
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(at.Add(2500 * time.Millisecond)); {
		if time.Now().After(deadline) {
			t.Fatal("no footage")
		}
		time.Sleep(100 * time.Millisecond)
	}
	b := browsertest.Start(t)
	if err := b.Navigate(f.ts.URL + "/healthz"); err != nil {
		t.Fatal(err)
	}
	q := "?start=" + url.QueryEscape(at.Format(time.RFC3339))
	asked := time.Now()
	ms, err := browsertest.Eval[float64](b, fmt.Sprintf(whepJS, "ana", string(f.camA2.ID), testPassword, q))
	if err != nil {
		t.Fatalf("playback: %v", err)
	}
	t.Logf("recorded playback: first decoded frame after %.0f ms", ms)
	var id string
	var clock time.Time
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(30 * time.Millisecond) {
		var fr browsertest.Frame
		if fr, err = b.VideoFrame("#v"); err != nil {
			continue
		}
		if id, clock, err = simcam.ReadPattern(fr.Luma, fr.Width, fr.Height, fr.Width); err == nil {
			break
		}
	}
	if err != nil || id != string(f.camA2.ID) {
		t.Fatalf("pattern %q %v; want %s", id, err, f.camA2.ID)
	}
	// The playback starts at the keyframe at or before the instant (GOP 1 s)
	// and plays on at 1× while the page is read: the picture may be later by
	// the time since it was asked for (seconds on a loaded machine).
	if d, played := clock.Sub(at), time.Since(asked); d < -1500*time.Millisecond || d > 1500*time.Millisecond+played {
		t.Fatalf("picture clock %v is %v from the asked %v (%v after asking)", clock, d, at, played)
	}
	t.Logf("recorded playback: picture clock %v is %v from the asked instant", clock.UTC().Format(time.RFC3339Nano), clock.Sub(at))
}

// playerJS logs in as %[1]q (password %[3]q), plays camera %[2]q with the
// web UI's own player (static/js/whep.js) and resolves with the
// milliseconds to the first decoded frame.
const playerJS = `(async () => {
  const login = await fetch("/api/login", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({username: %[1]q, password: %[3]q})});
  if (!login.ok) throw new Error("login: " + login.status);
  const { whepConnect } = await import("/static/js/whep.js");
  const v = document.createElement("video");
  v.id = "v"; v.muted = true; v.autoplay = true; v.playsInline = true;
  document.body.appendChild(v);
  const t0 = performance.now();
  window.session = await whepConnect(v, "/api/cameras/" + %[2]q + "/whep");
  await new Promise((res, rej) => {
    v.requestVideoFrameCallback(() => res());
    setTimeout(() => rej(new Error("no decoded frame within 20 s (a hang, not a speed target)")), 20000);
  });
  return performance.now() - t0;
})()`

// TestWHEPPlayerTrickles: the web UI's player sends its offer before the
// browser has gathered candidates and trickles them by PATCH (RFC 9725),
// which the server takes (204); the picture is the camera asked for.
func TestWHEPPlayerTrickles(t *testing.T) {
	t.Parallel()
	f := newLiveFixture(t, view.LiveConfig{})
	var patches, taken atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPatch {
			f.srv.ServeHTTP(w, r)
			return
		}
		patches.Add(1)
		sr := &statusRecorder{ResponseWriter: w}
		f.srv.ServeHTTP(sr, r)
		if sr.status == http.StatusNoContent {
			taken.Add(1)
		}
	}))
	t.Cleanup(ts.Close)
	b := browsertest.Start(t)
	if err := b.Navigate(ts.URL + "/healthz"); err != nil {
		t.Fatal(err)
	}
	ms, err := browsertest.Eval[float64](b, fmt.Sprintf(playerJS, "ana", string(f.camA1.ID), testPassword))
	if err != nil {
		t.Fatalf("player: %v", err)
	}
	for deadline := time.Now().Add(5 * time.Second); taken.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	if taken.Load() == 0 {
		t.Fatalf("%d trickle PATCHes, none taken", patches.Load())
	}
	if id := decodedCameraID(t, b, "#v", 3*time.Second); id != string(f.camA1.ID) {
		t.Fatalf("pattern read %q; want %s", id, f.camA1.ID)
	}
	t.Logf("player: first decoded frame %.0f ms after the offer; %d trickle PATCHes, %d taken", ms, patches.Load(), taken.Load())
}
