package testpeer

import (
	"testing"
)

// recorder notes how a test would have ended.
type recorder struct {
	testing.TB
	fatal, skip bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Fatalf(string, ...any) { r.fatal = true }
func (r *recorder) Skipf(string, ...any)  { r.skip = true }

// TestRequire: a present program is found; a missing one fails the test
// under CI=true and skips it otherwise.
func TestRequire(t *testing.T) {
	if p := Require(t, "sh"); p == "" {
		t.Fatal("sh: empty path")
	}
	for _, ci := range []string{"true", ""} {
		t.Setenv("CI", ci)
		r := &recorder{TB: t}
		Require(r, "hearth-no-such-program")
		if r.fatal != (ci == "true") || r.skip != (ci != "true") {
			t.Errorf("CI=%q: fatal %v skip %v", ci, r.fatal, r.skip)
		}
	}
}
