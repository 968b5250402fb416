// Package testpeer finds the real programs that tests talk to (ffmpeg,
// GStreamer's RTSP server, VLC, dpkg, ...). A missing peer skips the test
// on a developer's machine and fails it under CI=true, where the test
// command (.ci/deps) must have installed it: CI never passes by skipping.
package testpeer

import (
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true).
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing ends t because a peer is missing: a failure in CI, else a skip.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf(format+" (required with CI=true: make deps installs it)", args...)
		return
	}
	t.Skipf(format, args...)
}

// Require returns the path of the program name, or ends t by Missing.
func Require(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, "%s not found in PATH: %v", name, err)
	}
	return p
}
