package ui

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/streams/hub"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
	"github.com/hearthnvr/hearth/ui/browsertest"
)

// aacTone is 4 s of a 440 Hz tone encoded by ffmpeg's AAC encoder (16 kHz
// mono): its AudioSpecificConfig and access units.
func aacTone(t *testing.T) ([]byte, [][]byte) {
	t.Helper()
	ffmpeg := testpeer.Require(t, "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, ffmpeg, "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000:duration=4",
		"-ac", "1", "-c:a", "aac", "-f", "adts", "pipe:1").Output()
	if err != nil {
		t.Fatalf("ffmpeg aac: %v", err)
	}
	var pkts mpeg4audio.ADTSPackets
	if err := pkts.Unmarshal(out); err != nil || len(pkts) == 0 {
		t.Fatalf("adts: %v (%d packets)", err, len(pkts))
	}
	asc, err := mpeg4audio.AudioSpecificConfig{Type: pkts[0].Type, SampleRate: pkts[0].SampleRate, ChannelConfig: pkts[0].ChannelConfig}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	aus := make([][]byte, len(pkts))
	for i, p := range pkts {
		aus[i] = p.AU
	}
	return asc, aus
}

// feedWithAudio publishes the simulated camera's pictures at 10 fps and
// audio of track (a frame of frameTicks media time from frames, looped)
// into h until ctx ends, both on one media timeline as ingest stamps them.
func feedWithAudio(ctx context.Context, t *testing.T, h *hub.Hub, id string, track media.Track, frames [][]byte, frameTicks int64) {
	cam, err := simcam.NewCamera(simcam.CameraConfig{ID: id, Width: simcam.MinWidth, Height: simcam.MinHeight, FPS: 10, GOP: 10})
	if err != nil {
		t.Error(err)
		return
	}
	info := &media.StreamInfo{CameraID: id, Stream: "main", Tracks: []media.Track{
		{Codec: media.H264, ClockRate: media.VideoClockRate, Width: simcam.MinWidth, Height: simcam.MinHeight, FPS: 10, SPS: cam.SPS(), PPS: cam.PPS()},
		track,
	}}
	rate := int64(track.ClockRate)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var adts int64
	for n := 0; ; n++ {
		au, err := cam.Next()
		if err != nil {
			t.Error(err)
			return
		}
		pts := int64(au.PTS) * media.VideoClockRate / int64(time.Second)
		h.Publish(&media.Unit{Info: info, Track: 0, PTS: pts, DTS: pts, Wall: au.Time, Key: au.IDR, NALUs: au.NALUs})
		for ; adts*media.VideoClockRate/rate < pts+9000; adts += frameTicks {
			f := frames[int(adts/frameTicks)%len(frames)]
			h.Publish(&media.Unit{Info: info, Track: 1, PTS: adts, DTS: adts, Wall: au.Time, Payload: [][]byte{f}})
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// TestMSEAudioInChromium: over the MSE fallback, a camera's AAC audio is
// carried with its video and Chromium decodes both; a G.711 camera's video
// plays and the hello says, in the words the player shows, why its audio
// is not heard there.
func TestMSEAudioInChromium(t *testing.T) {
	t.Parallel()
	asc, aus := aacTone(t)
	b := browsertest.Start(t)
	f := newFixture(t)
	for _, tc := range []struct {
		name  string
		cam   nvr.Camera
		track media.Track
		audio [][]byte
		ticks int64
	}{
		{"aac", f.camA1, media.Track{Codec: media.AAC, ClockRate: 16000, SampleRate: 16000, Channels: 1, AACConfig: asc}, aus, 1024},
		{"pcmu", f.camA2, media.Track{Codec: media.PCMU, ClockRate: 8000, SampleRate: 8000, Channels: 1}, [][]byte{make([]byte, 160)}, 160},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			t.Cleanup(func() { cancel(); wg.Wait() })
			id := string(tc.cam.ID)
			h := hub.New(id, hub.Options{})
			t.Cleanup(h.Close)
			wg.Go(func() { feedWithAudio(ctx, t, h, id, tc.track, tc.audio, tc.ticks) })

			policy := nvr.NewPolicy(f.store, f.clock, nil)
			sessions := view.NewLiveSessions(policy, view.LiveConfig{Now: f.clock})
			auth := nvr.NewAuth(f.store, nvr.AuthConfig{Argon2: cheapArgon, Now: f.clock})
			wg.Go(func() { _ = sessions.Run(ctx) })
			srv := NewServer(Config{}, Deps{Policy: policy, Auth: auth, Directory: f.dir, Now: f.clock,
				Live: aacHubs{h}, WebRTC: WebRTCLive{Sessions: sessions}})
			ts := httptest.NewServer(srv)
			t.Cleanup(ts.Close)

			if err := b.Navigate(ts.URL + "/healthz"); err != nil {
				t.Fatal(err)
			}
			ok, err := browsertest.Eval[bool](b, fmt.Sprintf(`fetch("/api/login", {method: "POST", headers: {"Content-Type": "application/json"},
			  body: JSON.stringify({username: "ana", password: %q})}).then(r => r.ok)`, testPassword))
			if err != nil || !ok {
				t.Fatalf("login from the page: %v %v", ok, err)
			}
			if _, err := browsertest.Eval[bool](b, fmt.Sprintf(`(async () => {
			  const { playMSE } = await import("/static/js/mse.js");
			  const v = document.createElement("video");
			  v.id = "v"; v.muted = true; v.playsInline = true;
			  document.body.appendChild(v);
			  window.player = playMSE(v, {camera: %q, onHello: (h) => { window.hello = h; }});
			  window.player.done.then((d) => { window.ended = d; });
			  return true;
			})()`, id)); err != nil {
				t.Fatal(err)
			}
			type state struct {
				Frames     int    `json:"frames"`
				AudioBytes int    `json:"audioBytes"`
				Codec      string `json:"codec"`
				Note       string `json:"note"`
				Err        string `json:"err"`
				Ended      any    `json:"ended"`
			}
			const js = `(() => {
			  const v = document.getElementById("v");
			  return {frames: v.getVideoPlaybackQuality().totalVideoFrames, audioBytes: v.webkitAudioDecodedByteCount || 0,
			          codec: window.hello ? window.hello.codec : "", note: window.hello ? (window.hello.audioNote || "") : "",
			          err: v.error ? v.error.message || String(v.error.code) : "", ended: window.ended || null};
			})()`
			var st state
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
				if st, err = browsertest.Eval[state](b, js); err != nil {
					t.Fatal(err)
				}
				if st.Err != "" || st.Ended != nil {
					t.Fatalf("playback failed: %+v", st)
				}
				// Three seconds of pictures: playback goes on with the audio
				// buffered alongside (a muxed buffer plays only where both are).
				done := st.Frames >= 30
				if tc.name == "aac" {
					done = done && st.AudioBytes > 0
				}
				if done {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("after 30 s: %+v", st)
				}
			}
			switch tc.name {
			case "aac":
				if !strings.HasSuffix(st.Codec, ",mp4a.40.2") || st.Note != "" {
					t.Fatalf("hello codec %q, note %q; want AAC carried", st.Codec, st.Note)
				}
			case "pcmu":
				if strings.Contains(st.Codec, ",") || st.AudioBytes != 0 || !strings.Contains(st.Note, "G.711") {
					t.Fatalf("hello codec %q, note %q, %d audio bytes decoded; want video only and a G.711 note", st.Codec, st.Note, st.AudioBytes)
				}
			}
			t.Logf("%s: %+v", tc.name, st)
		})
	}
}
