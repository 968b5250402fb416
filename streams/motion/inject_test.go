package motion

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// pausingSource passes units through and, after `after` units, signals
// paused and waits for resume: ffmpeg is alive while the test inspects it.
type pausingSource struct {
	Source
	n, after int
	paused   chan struct{}
	resume   chan struct{}
}

func (s *pausingSource) Next(ctx context.Context) (*media.Unit, error) {
	if s.n == s.after {
		close(s.paused)
		select {
		case <-s.resume:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	s.n++
	return s.Source.Next(ctx)
}

// children returns the command lines (argv) of this process's children,
// keyed by their comm name.
func children(t *testing.T) map[string][][]string {
	t.Helper()
	out := map[string][][]string{}
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatalf("read /proc: %v", err)
	}
	me := strconv.Itoa(os.Getpid())
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		status, err := os.ReadFile(filepath.Join("/proc", d.Name(), "status"))
		if err != nil || !strings.Contains(string(status), "\nPPid:\t"+me+"\n") {
			continue
		}
		comm, _ := os.ReadFile(filepath.Join("/proc", d.Name(), "comm"))
		cmdline, _ := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline"))
		name := strings.TrimSpace(string(comm))
		out[name] = append(out[name], strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00"))
	}
	return out
}

// TestPixelInjection: hostile zone names and a hostile camera identity never
// reach ffmpeg's argv or a shell; zone names come back verbatim.
// Not parallel: it inspects this process's children.
func TestPixelInjection(t *testing.T) {
	dir := t.TempDir()
	canary := func(i int) string { return filepath.Join(dir, fmt.Sprintf("canary%d", i)) }
	names := []string{
		"$(touch " + canary(1) + ")",
		"`touch " + canary(2) + "`",
		"a; touch " + canary(3),
		"b\ntouch " + canary(4),
		"c | touch " + canary(5) + " && rm -rf /nonexistent",
	}
	all := []Point{{0, 0}, {1, 0}, {1, 1}, {0, 1}}
	var zones []Zone
	for _, n := range names {
		zones = append(zones, Zone{Name: n, Polygon: all})
	}
	p := newTestPixel(t, PixelConfig{Zones: zones, Masks: overlayMask()})

	sched := simcam.Schedule{Start: t0, Still: 5 * time.Second, Move: 5 * time.Second}
	cam := newCamSource(t, t0, 14*time.Second, sched, "")
	hostileID := "cam$(touch " + canary(6) + ");`touch " + canary(7) + "`"
	cam.info.CameraID = hostileID
	cam.info.Stream = "sub; touch " + canary(8)
	src := &pausingSource{Source: cam, after: 30, paused: make(chan struct{}), resume: make(chan struct{})}

	var r recorder
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background(), src, r.emit) }()
	select {
	case <-src.paused:
	case err := <-done:
		t.Fatalf("run ended early: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("source never reached the pause")
	}
	var argv [][]string
	deadline := time.Now().Add(10 * time.Second)
	for argv == nil && time.Now().Before(deadline) {
		kids := children(t)
		for name := range kids {
			if name == "sh" || name == "bash" || name == "dash" {
				t.Errorf("a shell runs as our child: %q", kids[name])
			}
		}
		argv = kids[filepath.Base(p.path)]
		if argv == nil {
			time.Sleep(20 * time.Millisecond) // bounded poll for the child to appear
		}
	}
	close(src.resume)
	if argv == nil {
		t.Fatal("no ffmpeg child seen")
	}
	for _, args := range argv {
		joined := strings.Join(args, " ")
		for _, bad := range append(names, hostileID, camID, cam.info.Stream, "touch", "canary", ";", "$", "`", "\n", "rtsp") {
			if strings.Contains(joined, bad) {
				t.Errorf("ffmpeg argv %q contains %q", args, bad)
			}
		}
	}
	if err := <-done; !errors.Is(err, io.EOF) {
		t.Fatalf("run: %v, want io.EOF", err)
	}
	got := pairs(t, r.all())
	if len(got) == 0 {
		t.Fatal("no motion seen")
	}
	if strings.Join(got[0].stop.Zones, "|") != strings.Join(names, "|") {
		t.Errorf("zones %q, want the names verbatim %q", got[0].stop.Zones, names)
	}
	for i := 1; i <= 8; i++ {
		if _, err := os.Stat(canary(i)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("canary %d exists (stat: %v): something ran a shell", i, err)
		}
	}
}
