package db

import (
	"slices"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

func TestFragmentBlobRoundTrip(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 6, 1, 12, 0, 0, 123456789, time.UTC)
	const id = nvr.SegmentID(7)
	frag := func(i int, off, length int64, startOff time.Duration, dur90k int64, key bool) nvr.Fragment {
		return nvr.Fragment{SegmentID: id, Index: i, Offset: off, Length: length, Start: start.Add(startOff),
			Duration90k: dur90k, Key: key}
	}
	tests := []struct {
		name  string
		frags []nvr.Fragment
	}{
		{"empty", nil},
		{"one", []nvr.Fragment{frag(0, 1024, 500_000, 0, 180_000, true)}},
		{"contiguous", []nvr.Fragment{
			frag(0, 1024, 500_000, 0, 180_000, true),
			frag(1, 501_024, 400_000, 2*time.Second, 180_000, true),
			frag(2, 901_024, 300_000, 4*time.Second, 90_000, false),
		}},
		{"gaps, drift and odd durations", []nvr.Fragment{
			frag(0, 0, 1, 0, 0, false),
			frag(1, 10, 7, 3*time.Millisecond, 1, true),                         // gap in bytes and time
			frag(2, 17, 9, 3*time.Millisecond, 2999, true),                      // starts before the previous end
			frag(3, 100, 1<<30, 3*time.Millisecond+7*time.Nanosecond, 1, false), // ns precision
		}},
		{"beyond 4 GiB", []nvr.Fragment{
			frag(0, 4<<30-10, 20, 0, 180_000, true),
			frag(1, 4<<30+10, 5<<30, 2*time.Second, 180_000, true),
			frag(2, 100<<30, 1<<40, 4*time.Second, 180_000, true),
		}},
		{"longest fragment", []nvr.Fragment{frag(0, 0, 1, 0, maxFragmentDur90k, true)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			startNs := start.UnixNano()
			// Appended one at a time and all at once: the same bytes.
			whole, _, err := appendFragments(nil, blobState{endNs: startNs}, startNs, tt.frags)
			if err != nil {
				t.Fatal(err)
			}
			var (
				pieces []byte
				st     = blobState{endNs: startNs}
			)
			for _, f := range tt.frags {
				var tail []byte
				if tail, st, err = appendFragments(nil, st, startNs, []nvr.Fragment{f}); err != nil {
					t.Fatal(err)
				}
				pieces = append(pieces, tail...)
			}
			if !slices.Equal(whole, pieces) {
				t.Fatalf("appending one by one = %x, all at once = %x", pieces, whole)
			}
			got, err := decodeFragments(whole, id, startNs)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.frags) {
				t.Fatalf("decoded %d fragments, want %d", len(got), len(tt.frags))
			}
			for i := range got {
				if g, w := got[i], tt.frags[i]; g != w || g.Start.Location() != time.UTC {
					t.Errorf("fragment %d = %+v, want %+v", i, g, w)
				}
			}
			if n := len(tt.frags); n > 0 {
				if st.endOffset != tt.frags[n-1].Offset+tt.frags[n-1].Length || st.endNs != tt.frags[n-1].End().UnixNano() {
					t.Errorf("state = %+v, want the last fragment's end", st)
				}
				if per := float64(len(whole)) / float64(n); tt.name == "contiguous" && per > 10 {
					t.Errorf("%.1f bytes per fragment, want ≤ 10", per)
				}
			}
		})
	}
}

func TestAppendFragmentsRefuses(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	startNs := start.UnixNano()
	prev := nvr.Fragment{Offset: 1000, Length: 1000, Start: start, Duration90k: 180_000, Key: true}
	_, st, err := appendFragments(nil, blobState{endNs: startNs}, startNs, []nvr.Fragment{prev})
	if err != nil {
		t.Fatal(err)
	}
	ok := nvr.Fragment{Offset: 2000, Length: 10, Start: start.Add(2 * time.Second), Duration90k: 180_000, Key: true}
	tests := []struct {
		name   string
		change func(*nvr.Fragment)
	}{
		{"overlapping bytes", func(f *nvr.Fragment) { f.Offset = 1999 }},
		{"zero length", func(f *nvr.Fragment) { f.Length = 0 }},
		{"negative duration", func(f *nvr.Fragment) { f.Duration90k = -1 }},
		{"huge duration", func(f *nvr.Fragment) { f.Duration90k = maxFragmentDur90k + 1 }},
		{"before the segment", func(f *nvr.Fragment) { f.Start = start.Add(-time.Nanosecond) }},
		{"zero start", func(f *nvr.Fragment) { f.Start = time.Time{} }},
		{"far after", func(f *nvr.Fragment) { f.Start = start.Add(3 * time.Hour) }},
		{"offset overflow", func(f *nvr.Fragment) { f.Offset, f.Length = 1<<62, 1<<40 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ok
			tt.change(&f)
			if _, _, err := appendFragments(nil, st, startNs, []nvr.Fragment{f}); err == nil {
				t.Fatalf("appendFragments(%+v) succeeded", f)
			}
		})
	}
	if _, _, err := appendFragments(nil, st, startNs, []nvr.Fragment{ok}); err != nil {
		t.Fatalf("the valid fragment: %v", err)
	}
}

// FuzzFragmentBlob feeds the decoder arbitrary bytes: it must never panic,
// and whatever it accepts must re-encode to the same bytes.
func FuzzFragmentBlob(f *testing.F) {
	startNs := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC).UnixNano()
	seed, _, _ := appendFragments(nil, blobState{endNs: startNs}, startNs, []nvr.Fragment{
		{Offset: 1024, Length: 500_000, Start: time.Unix(0, startNs), Duration90k: 180_000, Key: true},
		{Offset: 501_024, Length: 5 << 30, Start: time.Unix(0, startNs+2e9), Duration90k: 180_000},
	})
	f.Add(seed, startNs)
	f.Add([]byte{}, startNs)
	f.Add([]byte{1}, int64(1))
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 1, 0, 0}, int64(-1))
	f.Add([]byte{2, 0, 1, 0, 0}, startNs)
	f.Fuzz(func(t *testing.T, blob []byte, startNs int64) {
		frags, err := decodeFragments(blob, 1, startNs)
		if err != nil {
			return
		}
		st := blobState{endNs: startNs}
		again, _, err := appendFragments(nil, st, startNs, frags)
		if err != nil {
			// The encoder is stricter about a few things the decoder
			// tolerates (a zero start time); decoding is what must hold.
			return
		}
		if len(frags) > 0 && !slices.Equal(again, blob) {
			// Varints have non-minimal encodings the decoder accepts;
			// the values must still agree.
			back, err := decodeFragments(again, 1, startNs)
			if err != nil || !slices.Equal(back, frags) {
				t.Fatalf("re-encoding %x gave %x (%v)", blob, again, err)
			}
		}
	})
}
