package hub

import (
	"testing"

	"github.com/hearthnvr/hearth/streams/media"
)

// payload is shared by every test unit: units are immutable, so sharing is
// what the hub does too.
var payload = make([]byte, 100)

func avInfo(cameraID string) *media.StreamInfo {
	return &media.StreamInfo{
		CameraID: cameraID,
		Stream:   "main",
		Tracks: []media.Track{
			{Codec: media.H264, ClockRate: media.VideoClockRate},
			{Codec: media.AAC, ClockRate: 48000},
		},
	}
}

// gen returns n units of info: video with a keyframe every gop pictures,
// starting at picture first (so first > 0 starts mid-GOP), and, when audio,
// an audio unit after every odd picture. PTS is the unit's index, so tests
// can map a received unit back to its position.
func gen(info *media.StreamInfo, n, gop, first int, audio bool) []*media.Unit {
	units := make([]*media.Unit, 0, n)
	for pic := first; len(units) < n; pic++ {
		units = append(units, &media.Unit{
			Info: info, Track: 0, PTS: int64(len(units)),
			Key: pic%gop == 0, NALUs: [][]byte{payload},
		})
		if audio && pic%2 == 1 && len(units) < n {
			units = append(units, &media.Unit{
				Info: info, Track: 1, PTS: int64(len(units)),
				Payload: [][]byte{payload[:20]},
			})
		}
	}
	return units
}

// drain returns every unit queued in s.
func drain(s *Subscription) []*media.Unit {
	var got []*media.Unit
	for {
		u, ok := s.TryNext()
		if !ok {
			return got
		}
		got = append(got, u)
	}
}

// checkGOPs fails unless got, a subsequence of published (indexed by PTS),
// starts at a keyframe and only ever skips to a keyframe, so no GOP it holds
// has a hole. With complete, a skip must also follow a whole GOP (the unit
// after the last one received is a keyframe).
func checkGOPs(t *testing.T, published, got []*media.Unit, complete bool) {
	t.Helper()
	for i, u := range got {
		at := int(u.PTS)
		if published[at] != u {
			t.Fatalf("unit %d: not the published unit with PTS %d", i, at)
		}
		if i == 0 {
			if !u.Key {
				t.Fatalf("first unit (PTS %d) is not a keyframe", at)
			}
			continue
		}
		prev := int(got[i-1].PTS)
		if at == prev+1 {
			continue
		}
		if at <= prev {
			t.Fatalf("unit %d: PTS %d after %d: out of order", i, at, prev)
		}
		if !u.Key {
			t.Fatalf("unit %d: skipped from PTS %d to %d, a non-keyframe: hole in a GOP", i, prev, at)
		}
		if complete && !published[prev+1].Key {
			t.Fatalf("unit %d: skipped from PTS %d to %d, cutting a GOP short", i, prev, at)
		}
	}
}
