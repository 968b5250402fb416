package fmp4live

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4/codecs"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/sei"
	"github.com/hearthnvr/hearth/streams/simcam"
)

const camID = "0123456789abcdef0123456789abcdef"

// source renders simcam frames as the units of one ingest session.
type source struct {
	cam   *simcam.Camera
	info  *media.StreamInfo
	frame int
	dts0  int64
}

func newSource(t testing.TB, width int, dts0 int64) *source {
	t.Helper()
	cam, err := simcam.NewCamera(simcam.CameraConfig{ID: camID, FPS: 10, GOP: 10, Width: width, Height: 224,
		Now: func() time.Time { return time.Unix(1e9, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	return &source{cam: cam, dts0: dts0, info: &media.StreamInfo{CameraID: camID, Stream: "main", Tracks: []media.Track{
		{Codec: media.PCMU, ClockRate: 8000}, // audio is not sent
		{Codec: media.H264, ClockRate: 90000, SPS: cam.SPS(), PPS: cam.PPS()},
	}}}
}

func (s *source) next(t testing.TB) *media.Unit {
	t.Helper()
	au, err := s.cam.Next()
	if err != nil {
		t.Fatal(err)
	}
	dts := s.dts0 + int64(s.frame)*9000
	s.frame++
	return &media.Unit{Info: s.info, Track: 1, PTS: dts, DTS: dts, Key: au.IDR, NALUs: au.NALUs}
}

func TestCodec(t *testing.T) {
	s := newSource(t, 512, 0)
	c, err := Codec(s.info.Tracks[1])
	if err != nil {
		t.Fatal(err)
	}
	sps := s.cam.SPS()
	if want := "avc1." + hex2(sps[1]) + hex2(sps[2]) + hex2(sps[3]); c != want || len(c) != len("avc1.42c01e") {
		t.Fatalf("codec %q, want %q", c, want)
	}
	// An H.265 SPS of x265 Main profile, level 3.1 (ffmpeg's hvc1.1.6.L93.B0).
	h265sps := []byte{0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0xb0, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x5d, 0xa0, 0x02, 0x80}
	c, err = Codec(media.Track{Codec: media.H265, SPS: h265sps})
	if err != nil || c != "hvc1.1.6.L93.B0" {
		t.Fatalf("H.265 codec %q, %v; want hvc1.1.6.L93.B0", c, err)
	}
	if _, err := Codec(media.Track{Codec: media.AAC}); err == nil {
		t.Fatal("a codec string for AAC")
	}
}

func hex2(b byte) string { const d = "0123456789abcdef"; return string([]byte{d[b>>4], d[b&15]}) }

// parsed is what a player would see.
type parsed struct {
	inits  int
	codecs []string
	dts    []int64
	durs   []uint32
	keys   []bool
	frames []uint64
}

func feed(t *testing.T, m *Muxer, p *parsed, u *media.Unit) {
	t.Helper()
	out, err := m.Write(u)
	if err != nil {
		t.Fatal(err)
	}
	if out.Codec != "" {
		p.codecs = append(p.codecs, out.Codec)
	}
	if out.Init != nil {
		var in fmp4.Init
		if err := in.Unmarshal(bytes.NewReader(out.Init)); err != nil {
			t.Fatalf("init: %v", err)
		}
		if len(in.Tracks) != 1 || in.Tracks[0].TimeScale != 90000 {
			t.Fatalf("init tracks %+v", in.Tracks)
		}
		if c, ok := in.Tracks[0].Codec.(*codecs.H264); !ok || !bytes.Equal(c.SPS, u.Info.Tracks[1].SPS) {
			t.Fatalf("init codec %#v", in.Tracks[0].Codec)
		}
		p.inits++
	}
	for _, f := range out.Fragments {
		var parts fmp4.Parts
		if err := parts.Unmarshal(f); err != nil {
			t.Fatalf("fragment: %v", err)
		}
		s := parts[0].Tracks[0].Samples[0]
		var au h264.AVCC
		if err := au.Unmarshal(s.Payload); err != nil {
			t.Fatal(err)
		}
		st, ok := sei.Find(au)
		if !ok || st.CameraID != camID {
			t.Fatalf("fragment without the camera's SEI stamp: %+v", st)
		}
		p.dts = append(p.dts, int64(parts[0].Tracks[0].BaseTime))
		p.durs = append(p.durs, s.Duration)
		p.keys = append(p.keys, !s.IsNonSyncSample)
		p.frames = append(p.frames, st.Frame)
	}
}

func TestMuxer(t *testing.T) {
	m := NewMuxer()
	var p parsed
	a := newSource(t, 512, 123456)
	a.next(t) // the stream is joined mid-GOP: frames before a keyframe are dropped
	for range 24 {
		feed(t, m, &p, a.next(t))
	}
	// A reconnect with the same parameters: DTS starts anew.
	b := newSource(t, 512, 0)
	b.info = &media.StreamInfo{CameraID: camID, Stream: "main", Tracks: a.info.Tracks}
	for range 10 {
		feed(t, m, &p, b.next(t))
	}
	// New parameters (another size): a new init at the keyframe.
	c := newSource(t, 640, 5000)
	for range 10 {
		feed(t, m, &p, c.next(t))
	}
	if p.inits != 2 || len(p.codecs) != 2 {
		t.Fatalf("%d inits, codecs %v; want 2", p.inits, p.codecs)
	}
	if !p.keys[0] || p.frames[0] != 10 {
		t.Fatalf("first fragment: key %v frame %d; want the keyframe 10", p.keys[0], p.frames[0])
	}
	if len(p.dts) != 15+10+10-1 {
		t.Fatalf("%d fragments", len(p.dts))
	}
	if p.dts[0] != 0 {
		t.Fatalf("first DTS %d", p.dts[0])
	}
	for i := 1; i < len(p.dts); i++ {
		if p.dts[i] != p.dts[i-1]+int64(p.durs[i-1]) || p.durs[i-1] != 9000 {
			t.Fatalf("fragment %d at %d; previous at %d lasting %d: the timeline has a hole or runs back", i, p.dts[i], p.dts[i-1], p.durs[i-1])
		}
	}
}

// TestMuxerAudio: AAC and Opus audio is carried as a second track on the
// video's output timeline (the codecs name both); G.711 is not, and
// AudioNote says so.
func TestMuxerAudio(t *testing.T) {
	for _, tc := range []struct {
		name    string
		track   media.Track
		frame   []byte
		ticks   int64  // media time of one frame, in track.ClockRate units
		codec   string // audio part of the codecs parameter, "" when not carried
		carried bool
	}{
		{"aac", media.Track{Codec: media.AAC, ClockRate: 16000, SampleRate: 16000, Channels: 1, AACConfig: []byte{0x14, 0x08}},
			[]byte{0x21, 0x10, 0x04, 0x60, 0x8c, 0x1c}, 1024, "mp4a.40.2", true},
		{"opus", media.Track{Codec: media.Opus, ClockRate: 48000, SampleRate: 48000, Channels: 2}, []byte{0xfc, 0xff, 0xfe}, 960, "opus", true},
		{"pcmu", media.Track{Codec: media.PCMU, ClockRate: 8000, SampleRate: 8000, Channels: 1}, make([]byte, 160), 160, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSource(t, 512, 90000)
			s.info.Tracks[0] = tc.track
			if note := AudioNote(s.info); (note == "") != tc.carried {
				t.Fatalf("audio note %q", note)
			}
			m := NewMuxer()
			rate := int64(tc.track.ClockRate)
			var codecStr string
			var audioBase []uint64
			var audioTracks int
			firstDTS := int64(-1) // media time of the first audio written
			adts := rate          // the audio starts at the same media time as the video (1 s)
			for range 30 {
				v := s.next(t)
				for ; adts*90000/rate < v.DTS+9000; adts += tc.ticks {
					out, err := m.Write(&media.Unit{Info: s.info, Track: 0, PTS: adts, DTS: adts, Payload: [][]byte{tc.frame}})
					if err != nil {
						t.Fatal(err)
					}
					for _, f := range out.Fragments {
						var parts fmp4.Parts
						if err := parts.Unmarshal(f); err != nil {
							t.Fatal(err)
						}
						for _, pt := range parts[0].Tracks {
							if pt.ID != 2 || len(pt.Samples) != 1 || !bytes.Equal(pt.Samples[0].Payload, tc.frame) {
								t.Fatalf("audio fragment track %d, %d samples", pt.ID, len(pt.Samples))
							}
							audioBase = append(audioBase, pt.BaseTime)
							if firstDTS < 0 {
								firstDTS = adts
							}
						}
					}
				}
				out, err := m.Write(v)
				if err != nil {
					t.Fatal(err)
				}
				if out.Init != nil {
					codecStr = out.Codec
					var in fmp4.Init
					if err := in.Unmarshal(bytes.NewReader(out.Init)); err != nil {
						t.Fatal(err)
					}
					audioTracks = len(in.Tracks) - 1
				}
			}
			want := 0
			if tc.carried {
				want = 1
			}
			if audioTracks != want || strings.HasSuffix(codecStr, ","+tc.codec) != tc.carried {
				t.Fatalf("init with %d audio tracks, codecs %q; want %d and %q", audioTracks, codecStr, want, tc.codec)
			}
			if !tc.carried {
				if len(audioBase) != 0 {
					t.Fatalf("%d audio fragments of a codec not carried", len(audioBase))
				}
				return
			}
			// The video starts at its first keyframe (its first frame, media
			// time 1 s) at output time 0: the audio keeps its offset from it,
			// and every frame follows the previous one without a gap.
			scale := int64(48000)
			if tc.track.Codec == media.AAC {
				scale = rate
			}
			const keyDTS = 90000
			if want := uint64((firstDTS*90000/rate - keyDTS) * scale / 90000); len(audioBase) < 20 || audioBase[0] != want {
				t.Fatalf("audio fragments at %v, want the first at %d", audioBase, want)
			}
			step := uint64(tc.ticks * scale / rate)
			for i := 1; i < len(audioBase); i++ {
				if audioBase[i] != audioBase[i-1]+step {
					t.Fatalf("audio fragment %d at %d after %d: want a step of %d", i, audioBase[i], audioBase[i-1], step)
				}
			}
		})
	}
}
