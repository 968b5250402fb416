package memtune

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestAutoLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		total int64
		want  int64
	}{
		{"unknown", 0, 0},
		{"under 512 MiB: none", 500 << 20, 0},
		{"Pi 3, 1 GiB", 1 << 30, 256 << 20},
		{"Pi 4, 4 GiB", 4 << 30, 1 << 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := AutoLimit(tc.total); got != tc.want {
				t.Errorf("AutoLimit(%d) = %d, want %d", tc.total, got, tc.want)
			}
		})
	}
}

func TestMemTotal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, text string
		want       int64
	}{
		{"meminfo", "MemTotal:        1000448 kB\nMemFree:          20107 kB\n", 1000448 << 10},
		{"missing", "MemFree: 1 kB\n", 0},
		{"malformed", "MemTotal: lots kB\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := memTotal(strings.NewReader(tc.text)); got != tc.want {
				t.Errorf("memTotal = %d, want %d", got, tc.want)
			}
		})
	}
}

// Apply with nothing configured sets Hearth's GOGC, not Go's 100; $GOGC
// set by an operator wins over that default, a configured value over both.
// Not parallel: GOGC and the memory limit are the process's.
func TestApplyGCPercent(t *testing.T) {
	prevGC := debug.SetGCPercent(-1)
	prevLimit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetGCPercent(prevGC)
		debug.SetMemoryLimit(prevLimit)
	})
	gcPercent := func() int {
		p := debug.SetGCPercent(-1)
		debug.SetGCPercent(p)
		return p
	}
	t.Setenv("GOGC", "")
	if a := Apply(Config{LimitBytes: -1}); a.GCPercent != DefaultGCPercent || gcPercent() != DefaultGCPercent {
		t.Fatalf("default: applied %d, runtime %d; want %d", a.GCPercent, gcPercent(), DefaultGCPercent)
	}
	t.Setenv("GOGC", "70")
	debug.SetGCPercent(70) // as the runtime read it at start
	if a := Apply(Config{LimitBytes: -1}); a.GCPercent != 70 {
		t.Fatalf("$GOGC=70: applied %d, want 70", a.GCPercent)
	}
	if a := Apply(Config{GCPercent: 25, LimitBytes: -1}); a.GCPercent != 25 || gcPercent() != 25 {
		t.Fatalf("configured 25: applied %d, runtime %d", a.GCPercent, gcPercent())
	}
}
