package nvr

import (
	"testing"
	"time"
)

// The viewing log said a share link's making in the audit row's own
// key=value text ("share link 1 kind=live expires=2026-12-08T12:50:26Z
// max_views=1"); it says it in words now, from the same row.
func TestShareDetailWords(t *testing.T) {
	exp := time.Date(2026, 12, 8, 12, 50, 26, 0, time.UTC)
	win := TimeRange{Start: exp.Add(-26 * time.Hour), End: exp.Add(-25 * time.Hour)}
	for _, c := range []struct {
		l    ShareLink
		want string
	}{
		{ShareLink{ID: 1, Kind: ShareLive, ExpiresAt: exp, MaxViews: 1}, "live view, until 2026-12-08 12:50 UTC, 1 view"},
		{ShareLink{ID: 2, Kind: ShareClip, Window: win, ExpiresAt: exp, PasscodeHash: "x", MaxViews: 3},
			"a recording, from 2026-12-07 10:50 UTC to 2026-12-07 11:50 UTC, until 2026-12-08 12:50 UTC, 3 views, with a passcode"},
	} {
		if got := shareDetailWords(shareDetail(c.l)); got != c.want {
			t.Errorf("%q reads %q, want %q", shareDetail(c.l), got, c.want)
		}
	}
	for _, odd := range []string{"something else", "share link 3 colour=blue"} {
		if got := shareDetailWords(odd); got != odd {
			t.Errorf("%q reads %q, want it kept", odd, got)
		}
	}
}
