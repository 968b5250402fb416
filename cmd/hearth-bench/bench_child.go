package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/hearthnvr/hearth/streams/webrtc/webrtctest"
)

// cmdBenchChild runs the far side of a bench scenario in its own process,
// so the harness measures Hearth alone: "index-cold PATH CAMERA" and
// "viewers URL N HOLD CAMERA". Hidden from the usage text.
func cmdBenchChild(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		return usagef("usage: hearth-bench bench-child index-cold|viewers ARGS")
	}
	switch args[0] {
	case "index-cold":
		return benchChildIndexCold(ctx, args[1:], e)
	case "viewers":
		return benchChildViewers(ctx, args[1:], e)
	}
	return usagef("unknown bench child %q", args[0])
}

// benchChildViewers connects N pion viewers to the WHEP URL one after the
// other (each waits for its first frame: the time to first frame), prints
// "ready ttff-p50 ttff-max", holds them for HOLD and prints their totals.
func benchChildViewers(ctx context.Context, args []string, e env) error {
	if len(args) != 4 {
		return usagef("usage: hearth-bench bench-child viewers URL N HOLD CAMERA")
	}
	n, err := strconv.Atoi(args[1])
	if err != nil || n < 1 || n > 200 {
		return usagef("viewers: N must be 1-200")
	}
	hold, err := time.ParseDuration(args[2])
	if err != nil || hold <= 0 || hold > 5*time.Minute {
		return usagef("viewers: HOLD must be a duration up to 5m")
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	clients := make([]*webrtctest.Client, 0, n)
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	ttff := make([]time.Duration, 0, n)
	for range n {
		c, err := webrtctest.New(webrtctest.Options{WantID: args[3], NoNACK: true})
		if err != nil {
			return err
		}
		clients = append(clients, c)
		t0 := time.Now()
		status, _, body, err := c.WHEP(ctx, hc, args[0], nil)
		if err != nil || status != http.StatusCreated {
			return fmt.Errorf("whep: %d %s %v", status, body, err)
		}
		if err := c.WaitFrames(1, 20*time.Second); err != nil {
			return err
		}
		ttff = append(ttff, time.Since(t0))
	}
	fmt.Fprintf(e.stdout, "ready %v %v\n", percentile(ttff, 0.5), percentile(ttff, 1))
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(hold):
	}
	frames, wrong, lost := 0, 0, 0
	for _, c := range clients {
		st := c.Stats()
		frames, wrong, lost = frames+st.Frames, wrong+st.WrongID, lost+st.Lost
	}
	fmt.Fprintf(e.stdout, "frames %d wrong %d lost %d viewers %d\n", frames, wrong, lost, n)
	return nil
}

// startProfiles starts the CPU profile and returns the function that stops
// it and writes the allocation profile.
func startProfiles(cfg benchConfig) (stop func(), err error) {
	var cpu *os.File
	if cfg.CPUProfile != "" {
		if cpu, err = os.Create(cfg.CPUProfile); err != nil {
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
		if err := pprof.StartCPUProfile(cpu); err != nil {
			cpu.Close()
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
	}
	return func() {
		if cpu != nil {
			pprof.StopCPUProfile()
			_ = cpu.Close()
		}
		if cfg.MemProfile != "" {
			writeHeapProfile(cfg.MemProfile + ".allocs")
		}
	}, nil
}

// heapSnapshot writes the heap profile (in use and allocated so far) to
// cfg.MemProfile while a scenario is still running, at the end of its
// measured window, so "inuse" shows what the running system holds.
func heapSnapshot(cfg benchConfig) {
	if cfg.MemProfile != "" {
		writeHeapProfile(cfg.MemProfile)
		// The goroutines at the same moment, grouped by stack, so each
		// camera's goroutines can be counted and named.
		if f, err := os.Create(cfg.MemProfile + ".goroutines"); err == nil {
			_ = pprof.Lookup("goroutine").WriteTo(f, 1)
			_ = f.Close()
		}
	}
}

func writeHeapProfile(path string) {
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	runtime.GC()
	_ = pprof.Lookup("allocs").WriteTo(f, 0)
}
