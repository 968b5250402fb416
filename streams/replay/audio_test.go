package replay

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/webrtc"
	"github.com/hearthnvr/hearth/streams/webrtc/webrtctest"
)

// audioFrameN reads back the frame number audioFrame put in a payload.
func audioFrameN(codec media.Codec, p []byte) int {
	if codec == media.Opus {
		return int(p[1])<<8 | int(p[2])
	}
	return int(p[0])<<8 | int(p[1])
}

// readAll reads r to its end (bounded), calling each after every unit.
func readAll(t *testing.T, r *Reader, each func(u *media.Unit)) {
	t.Helper()
	for range 100_000 {
		u, err := r.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		each(u)
	}
	t.Fatal("no end of footage after 100,000 units")
}

// TestReplaysAudio: footage recorded by the segment writer with G.711 or
// Opus audio (the entries mediacommon's init parser does not know, for
// G.711) plays: every video frame and every audio frame, in order, the
// audio in its own clock and placed against the video as recorded.
func TestReplaysAudio(t *testing.T) {
	for _, codec := range []media.Codec{media.PCMU, media.PCMA, media.Opus} {
		t.Run(string(codec), func(t *testing.T) {
			ft := recordAudio(t, codec, span{0, 10})
			r := openTest(t, ft, epoch, newClock(true))
			info := r.Info()
			if len(info.Tracks) != 2 || info.Tracks[0].Codec != media.H264 || info.Tracks[1].Codec != codec {
				t.Fatalf("tracks %+v, want H.264 and %s", info.Tracks, codec)
			}
			rate := info.Tracks[1].ClockRate
			if want := map[media.Codec]int{media.Opus: 48000}[codec]; rate != max(want, 8000) {
				t.Fatalf("%s clock rate %d", codec, rate)
			}
			video, audio := 0, 0
			var lastVideo *media.Unit
			var lastAudio *media.Unit
			readAll(t, r, func(u *media.Unit) {
				if u.Track == 0 {
					check(t, ft, u)
					video++
					lastVideo = u
					return
				}
				if u.Track != 1 || len(u.Payload) != 1 {
					t.Fatalf("unit on track %d with %d frames", u.Track, len(u.Payload))
				}
				if n := audioFrameN(codec, u.Payload[0]); n != audio {
					t.Fatalf("audio frame %d, want %d", n, audio)
				}
				// Recorded at epoch + 20 ms × n; prft keeps NTP time.
				if want := epoch.Add(time.Duration(audio) * 20 * time.Millisecond); u.Wall.Sub(want).Abs() > time.Millisecond {
					t.Fatalf("audio frame %d at %v, recorded at %v", audio, u.Wall, want)
				}
				if lastAudio != nil && u.DTS-lastAudio.DTS != int64(rate/50) {
					t.Fatalf("audio frame %d: DTS step %d, want %d (20 ms at %d Hz)", audio, u.DTS-lastAudio.DTS, rate/50, rate)
				}
				// The audio keeps its place against the video: the last
				// picture returned before it was taken no later than it.
				if lastVideo == nil || lastVideo.Wall.After(u.Wall) {
					t.Fatalf("audio frame %d (%v) before its picture", audio, u.Wall)
				}
				audio++
				lastAudio = u
			})
			if video != ft.frames || audio != 10*50 {
				t.Fatalf("%d pictures and %d audio frames, want %d and %d", video, audio, ft.frames, 10*50)
			}
		})
	}
}

// TestReplayAudioOnlyAtNormalSpeed: at 2× no audio is sent (it would be
// noise); a keyframe request sends the GOP's pictures again but not its
// audio.
func TestReplayAudioOnlyAtNormalSpeed(t *testing.T) {
	ft := recordAudio(t, media.PCMU, span{0, 10})
	t.Run("2x", func(t *testing.T) {
		r := openTest(t, ft, epoch, newClock(true))
		if err := r.SetSpeed(2); err != nil {
			t.Fatal(err)
		}
		video := 0
		readAll(t, r, func(u *media.Unit) {
			if u.Track != 0 {
				t.Fatalf("audio at 2×: %+v", u)
			}
			video++
		})
		if video != ft.frames {
			t.Fatalf("%d pictures, want %d", video, ft.frames)
		}
	})
	t.Run("keyframe request", func(t *testing.T) {
		r := openTest(t, ft, epoch, newClock(true))
		video, next := 0, 0
		readAll(t, r, func(u *media.Unit) {
			if u.Track == 0 {
				video++
				if video == 12 {
					r.RequestKeyframe()
				}
				return
			}
			if n := audioFrameN(media.PCMU, u.Payload[0]); n != next {
				t.Fatalf("audio frame %d, want %d (heard twice or lost)", n, next)
			}
			next++
		})
		if video <= ft.frames || next != 10*50 {
			t.Fatalf("%d pictures (want more than %d: a GOP again) and %d audio frames (want %d)", video, ft.frames, next, 10*50)
		}
	})
}

// TestReplayG711OverWebRTC: recorded footage with G.711 audio plays over a
// WebRTC session: the client decodes pictures of the right camera and
// receives PCMU/PCMA, which WebRTC carries natively.
func TestReplayG711OverWebRTC(t *testing.T) {
	for _, codec := range []media.Codec{media.PCMU, media.PCMA} {
		t.Run(string(codec), func(t *testing.T) {
			ft := recordAudio(t, codec, span{0, 10})
			r, err := Open(context.Background(), ft.planner(12*time.Second, nil), epoch, Options{CameraID: testCamID})
			if err != nil {
				t.Fatal(err)
			}
			e, err := webrtc.Listen(webrtc.Config{IPFilter: webrtc.LoopbackOnly})
			if err != nil {
				r.Close()
				t.Fatal(err)
			}
			t.Cleanup(e.Close)
			c, err := webrtctest.New(webrtctest.Options{WantID: testCamID, Audio: true})
			if err != nil {
				r.Close()
				t.Fatal(err)
			}
			t.Cleanup(c.Close)
			offer, err := c.Offer()
			if err != nil {
				r.Close()
				t.Fatal(err)
			}
			s, answer, err := e.NewSession(context.Background(), webrtc.SessionConfig{Offer: offer, Source: r})
			if err != nil {
				r.Close()
				t.Fatalf("new session: %v", err)
			}
			t.Cleanup(s.Close)
			if got := s.Info().Audio; got != codec {
				t.Fatalf("session sends audio %q (note %q), want %s", got, s.Info().AudioNote, codec)
			}
			if err := c.Answer(answer); err != nil {
				t.Fatal(err)
			}
			if err := c.WaitFrames(10, 30*time.Second); err != nil {
				t.Fatal(err)
			}
			if err := c.WaitAudio(25, 30*time.Second); err != nil {
				t.Fatal(err)
			}
			st := c.Stats()
			want := map[media.Codec]string{media.PCMU: "audio/PCMU", media.PCMA: "audio/PCMA"}[codec]
			if st.WrongID != 0 || st.AudioCodec != want {
				t.Fatalf("stats %+v: want no foreign pictures and %s audio", st, want)
			}
		})
	}
}
