package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/hearthnvr/hearth/cmd/internal/cmdline"
	"github.com/hearthnvr/hearth/streams/testpeer"
	"github.com/hearthnvr/hearth/ui/browsertest"
)

// testSelf re-runs the test binary as "hearth-bench ARGS" (see TestMain).
func testSelf(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HEARTH_TEST_SUBCOMMAND="+strings.Join(args, " "))
	return cmd
}

// TestBenchCommand runs every scenario of "hearth-bench" at a small size:
// each prints its table, and the figures that are facts rather than
// speeds hold (admission limit, passthrough ratio).
func TestMain(m *testing.M) {
	if args := os.Getenv("HEARTH_TEST_SUBCOMMAND"); args != "" {
		ctx, stop := context.WithCancel(context.Background())
		go func() { // the parent closes our stdin to stop us
			_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
			stop()
		}()
		os.Exit(run(ctx, strings.Fields(args), env{stdin: strings.NewReader(""), stdout: os.Stdout, stderr: os.Stderr}))
	}
	os.Exit(m.Run())
}

func TestBenchCommand(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	var out, errb bytes.Buffer // run writes from this goroutine only
	e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, self: testSelf}
	code := run(context.Background(), []string{"--cameras", "2", "--duration", "3s",
		"--storm-cameras", "6", "--storm-outage", "2s", "--clip-minutes", "1",
		"--index-days", "2", "--index-events", "2000", "--viewers", "3", "--live-window", "2s",
		"--work", t.TempDir(), "all"}, e)
	t.Logf("hearth bench:\n%s", out.String())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	text := out.String()
	for _, want := range []string{"# hearth bench: hearth", "## record: 2 cameras", "## storm: 6 cameras", "## clip: 1 min",
		"CPU per recorded Mbit/s", "after the storm: all streaming", "throughput (open + read)",
		"## index: 16 cameras × 2 days", "timeline (CoveredRanges 24 h) p99", "cold start (open + first timeline)",
		"## live: one camera", "to 3 WebRTC viewers", "ingest to first packet p99"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	row := func(metric string) []string {
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(l, metric+"  ") {
				return strings.Fields(strings.TrimPrefix(l, metric))
			}
		}
		t.Fatalf("no row %q", metric)
		return nil
	}
	hs := row("peak concurrent handshakes") // "3 (limit 8) ≤ limit"
	peak, _ := strconv.Atoi(hs[0])
	limit, _ := strconv.Atoi(strings.TrimSuffix(hs[2], ")"))
	if peak < 1 || limit < 1 || peak > limit {
		t.Errorf("handshakes: peak %d, limit %d", peak, limit)
	}
	if ratio, err := strconv.ParseFloat(row("written / received")[0], 64); err != nil || ratio < 0.5 || ratio > 2 {
		t.Errorf("written/received %v (%v): recording is not passthrough", ratio, err)
	}
	// index: every query page of a household's 4 cameras found events
	// (2000 over 16 cameras and one day), and the cold start answered.
	if n, err := strconv.Atoi(row("events listed")[0]); err != nil || n < 200*51 {
		t.Errorf("events listed %d (%v), want at least a full page per round", n, err)
	}
	if cold := row("cold start (open + first timeline)"); cold[1] != "ms" {
		t.Errorf("cold start %v", cold)
	}
	// live: the viewers saw only this camera's frames, every session sent.
	var frames, wrong, lost int
	if _, err := fmt.Sscanf(strings.Join(row("viewers' frames / foreign / lost"), " "), "%d / %d / %d", &frames, &wrong, &lost); err != nil ||
		frames < 3 || wrong != 0 {
		t.Errorf("viewers: frames %d, foreign %d (%v)", frames, wrong, err)
	}
	if n, err := strconv.Atoi(row("sends measured")[0]); err != nil || n < 3 {
		t.Errorf("sends measured %d (%v)", n, err)
	}
	ttff := strings.Join(row("Chromium: first decoded frame"), " ")
	if browsertest.Available() || testpeer.InCI() {
		if !strings.HasSuffix(strings.Fields(ttff)[1], "ms") {
			t.Errorf("Chromium did not decode a frame: %q", ttff)
		}
	} else if !strings.Contains(ttff, "not installed") {
		t.Errorf("Chromium row without a browser: %q", ttff)
	}
}

func TestBenchCommandErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{},
		{"nope"},
		{"--cameras", "0", "record"},
		{"--duration", "1h", "record"},
		{"--storm-cameras", "5000", "storm"},
	} {
		var out, errb bytes.Buffer // run writes from this goroutine only
		if code := run(context.Background(), args, env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}); code != cmdline.ExitUsage {
			t.Errorf("%v: exit %d (%s), want %d", args, code, errb.String(), cmdline.ExitUsage)
		}
		if !strings.Contains(errb.String(), "hearth-bench: ") {
			t.Errorf("%v: stderr %q", args, errb.String())
		}
	}
}
