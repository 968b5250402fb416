package view

import (
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// FuzzParseTimeRange: any query text gives either a range that is ordered
// and bounded or an Invalid error that does not repeat the input (a canary in it).
func FuzzParseTimeRange(f *testing.F) {
	for _, s := range [][2]string{
		{"2026-11-28T08:00:00Z", "2026-11-28T09:00:00Z"},
		{"2026-11-28T08:00:00.123456789+05:30", "2026-11-28T08:00:01-02:00"},
		{"0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z"},
		{"2026-11-28T08:00:00Z", "2026-11-28T08:00:00Z"},
		{"2026-13-28T08:00:00Z", "x"},
		{"", ""},
		{"2026-11-28T24:00:00Z", "2026-11-29T00:00:00+24:00"},
		{"CANARY", "2026-11-28T08:00:00Z"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, start, end string) {
		r, err := ParseTimeRange(start, end, MaxClipDuration)
		if err != nil {
			if nvr.ErrorKind(err) != nvr.KindInvalid {
				t.Fatalf("error kind %v, want Invalid: %v", nvr.ErrorKind(err), err)
			}
			if msg := nvr.ErrorMessage(err) + err.Error(); strings.Contains(msg, "CANARY") {
				t.Fatalf("message %q repeats the input", msg)
			}
			return
		}
		if !r.End.After(r.Start) || r.End.Sub(r.Start) > MaxClipDuration {
			t.Fatalf("range %v..%v is not ordered and within %v", r.Start, r.End, MaxClipDuration)
		}
		// What was accepted round-trips: the API echoes ranges in RFC 3339.
		if _, err := time.Parse(time.RFC3339Nano, r.Start.Format(time.RFC3339Nano)); err != nil {
			t.Fatalf("start %v does not format back: %v", r.Start, err)
		}
	})
}
