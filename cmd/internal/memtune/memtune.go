// Package memtune sets the Go runtime's memory knobs of a Hearth process:
// the garbage collector's pace (GOGC) and a soft memory limit (GOMEMLIMIT),
// from configuration with defaults chosen for a Raspberry Pi
// (docs/performance.md, "Footprint"). serve applies them at start;
// hearth-bench applies the same defaults, so its figures are the
// appliance's.
package memtune

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// DefaultGCPercent is GOGC for serve: 40, not Go's 100. The heap between
// collections is then 40 % over the live heap, which is mostly each
// camera's GOP: record 32 × 1080p memory per camera 1230 KiB instead of
// about 1750 (docs/performance.md, "Footprint"). It costs collections
// (2.7 → 6-7 a second there), whose CPU was paid for by cutting the
// recorder's system calls, wake-ups and per-unit timers in the same
// change: record CPU per Mbit/s measured back to back stayed that of GOGC
// 100 before it. A user short of CPU and not of memory sets gc_percent =
// 100; the soft limit below still works harder only when memory is short.
const DefaultGCPercent = 40

// Limits of the automatic soft memory limit.
const (
	// limitShare is the share of the machine's memory the automatic limit
	// takes: a quarter leaves a 1 GiB Pi 3 three quarters for the system,
	// Home Assistant and the page cache the recordings stream through.
	limitShare = 4
	// minAutoLimit keeps the automatic limit from making the collector run
	// constantly on a tiny machine: below it the limit is not set.
	minAutoLimit = 128 << 20
)

// Config is the runtime's memory configuration.
type Config struct {
	// GCPercent is GOGC: 0 takes DefaultGCPercent (or $GOGC when set);
	// negative turns the proportional collector off (then only the limit
	// collects).
	GCPercent int
	// LimitBytes is the soft memory limit: 0 takes a quarter of the
	// machine's memory (none on a machine under 512 MiB), negative sets
	// none. A soft limit makes the collector work harder near it instead
	// of letting a burst (a fleet reconnecting at once) grow the process;
	// it never refuses memory, so a live heap above it only costs CPU.
	LimitBytes int64
}

// Applied is what Apply set, for the log.
type Applied struct {
	GCPercent  int
	LimitBytes int64 // 0: no limit
}

// Apply sets GOGC and the soft memory limit from c. An environment
// variable GOGC or GOMEMLIMIT, set by an operator who knows better, wins
// over the configuration's default (not over a value c sets).
func Apply(c Config) Applied {
	var a Applied
	a.GCPercent = c.GCPercent
	if a.GCPercent == 0 {
		if os.Getenv("GOGC") != "" {
			a.GCPercent = debug.SetGCPercent(-1)
			debug.SetGCPercent(a.GCPercent)
		} else {
			a.GCPercent = DefaultGCPercent
		}
	}
	debug.SetGCPercent(a.GCPercent)
	switch {
	case c.LimitBytes > 0:
		a.LimitBytes = c.LimitBytes
	case c.LimitBytes == 0 && os.Getenv("GOMEMLIMIT") == "":
		a.LimitBytes = AutoLimit(machineMemory())
	}
	if a.LimitBytes > 0 {
		debug.SetMemoryLimit(a.LimitBytes)
	}
	return a
}

// AutoLimit is the default soft limit on a machine with total bytes of
// memory: a quarter of it, none when that is under minAutoLimit or the
// total is unknown (0).
func AutoLimit(total int64) int64 {
	l := total / limitShare
	if l < minAutoLimit {
		return 0
	}
	return l
}

// machineMemory is the memory the process may use: the cgroup's limit
// when one is set (a container), else MemTotal; 0 when neither is known.
func machineMemory() int64 {
	total := int64(0)
	if f, err := os.Open("/proc/meminfo"); err == nil {
		total = memTotal(f)
		f.Close()
	}
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && v > 0 && (total == 0 || v < total) {
			return v
		}
	}
	return total
}

// memTotal reads MemTotal from /proc/meminfo's text.
func memTotal(r io.Reader) int64 {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}

// String describes a for the log and the bench's header.
func (a Applied) String() string {
	limit := "none"
	if a.LimitBytes > 0 {
		limit = fmt.Sprintf("%d MiB", a.LimitBytes>>20)
	}
	return fmt.Sprintf("GOGC=%d, soft memory limit %s", a.GCPercent, limit)
}
