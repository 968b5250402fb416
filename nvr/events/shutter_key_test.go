package events

import (
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// TestDetectorKeyFollowsShutter: a closed shutter that pauses recording
// stops the camera's detector (its key no longer wants one), a schedule
// does so only inside its window, and keep-recording leaves it running.
func TestDetectorKeyFollowsShutter(t *testing.T) {
	t.Parallel()
	noon := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	night := time.Date(2025, 6, 1, 23, 0, 0, 0, time.UTC)
	day := nvr.DailyWindow{Start: 7 * 60, End: 22 * 60}
	cases := []struct {
		name string
		sh   nvr.Shutter
		at   time.Time
		want bool
	}{
		{"open", nvr.Shutter{}, noon, true},
		{"closed by hand", nvr.Shutter{Closed: true}, noon, false},
		{"closed, keep recording", nvr.Shutter{Closed: true, KeepRecording: true}, noon, true},
		{"schedule, inside", nvr.Shutter{Schedule: day}, noon, false},
		{"schedule, outside", nvr.Shutter{Schedule: day}, night, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := nvr.Camera{ID: "0123456789abcdef0123456789abcdef", Enabled: true, Shutter: tc.sh}.WithRecordingDefaults()
			if got := keyOf(c, tc.at).want; got != tc.want {
				t.Fatalf("want detector = %v, got %v", tc.want, got)
			}
		})
	}
}
