package memtune

import (
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
