package ui

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/internal/clocktest"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/ui/browsertest"
)

// playerState is what the page reports about its <video>.
type playerState struct {
	Frames int     `json:"frames"` // decoded frames (getVideoPlaybackQuality)
	Time   float64 `json:"time"`   // currentTime
	Codec  string  `json:"codec"`  // from the hello message
	Camera string  `json:"camera"`
	Ended  *struct {
		Code   int    `json:"code"`
		Reason string `json:"reason"`
	} `json:"ended"`
}

const stateJS = `(() => {
  const v = document.getElementById("v");
  const q = v.getVideoPlaybackQuality();
  return {frames: q.totalVideoFrames, time: v.currentTime,
          codec: window.hello ? window.hello.codec : "", camera: window.hello ? window.hello.camera : "",
          ended: window.ended || null};
})()`

// TestMSEInChromium: a page on Hearth's origin logs in, plays the MSE
// stream with ui/static/js/mse.js, frames advance, and the camera ID read
// back from the decoded pixels is the camera asked for. Then a revocation
// ends the session within a second.
func TestMSEInChromium(t *testing.T) {
	m := newMSEFixture(t, 100*time.Millisecond) // 10 fps in real time
	b := browsertest.Start(t)
	if err := b.Navigate(m.http + "/healthz"); err != nil {
		t.Fatal(err)
	}
	ok, err := browsertest.Eval[bool](b, fmt.Sprintf(`fetch("/api/login", {method: "POST", headers: {"Content-Type": "application/json"},
	  body: JSON.stringify({username: "vic", password: %q})}).then(r => r.ok)`, testPassword))
	if err != nil || !ok {
		t.Fatalf("login from the page: %v %v", ok, err)
	}
	cam := m.camA1
	start := time.Now()
	if _, err := browsertest.Eval[bool](b, fmt.Sprintf(`(async () => {
	  const { playMSE } = await import("/static/js/mse.js");
	  const v = document.createElement("video");
	  v.id = "v"; v.muted = true; v.playsInline = true;
	  document.body.appendChild(v);
	  window.player = playMSE(v, {camera: %q, onHello: (h) => { window.hello = h; }});
	  window.player.done.then((d) => { window.ended = d; });
	  return true;
	})()`, cam.ID)); err != nil {
		t.Fatal(err)
	}

	// The first decoded frame, and what it shows.
	var f browsertest.Frame
	deadline := time.Now().Add(15 * time.Second)
	for {
		f, err = b.VideoFrame("#v")
		if !errors.Is(err, browsertest.ErrNoFrame) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		st, _ := browsertest.Eval[playerState](b, stateJS)
		t.Fatalf("no frame: %v (player %+v)", err, st)
	}
	t.Logf("first decoded frame %v after play", time.Since(start))
	// The first frame grabbed under load can be one not painted whole yet
	// (CI: "no valid camera pattern"): read frames until one carries the
	// pattern, within the same deadline.
	id, clock1, err := simcam.ReadPattern(f.Luma, f.Width, f.Height, f.Width)
	for err != nil && time.Now().Before(deadline) {
		time.Sleep(40 * time.Millisecond)
		if g, ferr := b.VideoFrame("#v"); ferr == nil {
			f = g
			id, clock1, err = simcam.ReadPattern(f.Luma, f.Width, f.Height, f.Width)
		}
	}
	if err != nil {
		t.Fatalf("read the pattern: %v", err)
	}
	if id != string(cam.ID) {
		t.Fatalf("the video shows camera %q, asked for %s", id, cam.ID)
	}
	if lag := time.Since(clock1); lag < 0 || lag > 3*time.Second {
		t.Fatalf("the frame's clock is %v behind now, want a live picture", lag)
	}
	st0, err := browsertest.Eval[playerState](b, stateJS)
	if err != nil {
		t.Fatal(err)
	}
	if st0.Camera != string(cam.ID) || len(st0.Codec) < len("avc1.") {
		t.Fatalf("hello %+v", st0)
	}

	// Frames advance, and so does the clock drawn into them.
	var st playerState
	var clock2 time.Time
	deadline = time.Now().Add(10 * time.Second)
	for {
		st, err = browsertest.Eval[playerState](b, stateJS)
		if err != nil {
			t.Fatal(err)
		}
		if f, err := b.VideoFrame("#v"); err == nil {
			if id, c, err := simcam.ReadPattern(f.Luma, f.Width, f.Height, f.Width); err == nil {
				if id != string(cam.ID) {
					t.Fatalf("the video shows camera %q, asked for %s", id, cam.ID)
				}
				clock2 = c
			}
		}
		if st.Frames >= st0.Frames+10 && clock2.Sub(clock1) >= 500*time.Millisecond {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("frames %d → %d, clock %v → %v: playback does not advance", st0.Frames, st.Frames, clock1, clock2)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st.Ended != nil {
		t.Fatalf("the session ended: %+v", st.Ended)
	}

	// Revocation ends the page's session within a second.
	if err := nvrtest.Operator(m.dir).UnassignCamera(t.Context(), m.viewerA.ID, cam.ID); err != nil {
		t.Fatal(err)
	}
	revoked := time.Now()
	for {
		st, err = browsertest.Eval[playerState](b, stateJS)
		if err != nil {
			t.Fatal(err)
		}
		if st.Ended != nil {
			break
		}
		if time.Since(revoked) > 10*time.Second {
			t.Fatal("the page's session is still open 10 s after the revocation")
		}
		time.Sleep(20 * time.Millisecond)
	}
	clocktest.Promptly(t, "the page saw the session end", time.Since(revoked), time.Second)
	if st.Ended.Code != 1008 {
		t.Fatalf("session ended with %+v, want code 1008", st.Ended)
	}
}
