package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/hearthnvr/hearth/nvr"
)

// TestMain lets the test binary double as a simulated-camera process, so
// ingest benchmarks measure Hearth's CPU without the simulator's.
func TestMain(m *testing.M) {
	if mask := os.Getenv("HEARTH_TEST_UMASK"); mask != "" {
		// The umask is the whole process's: set only in a child.
		m, err := strconv.ParseUint(mask, 8, 32)
		if err != nil {
			fmt.Fprintln(os.Stderr, "HEARTH_TEST_UMASK:", err)
			os.Exit(2)
		}
		syscall.Umask(int(m))
	}
	if dir := os.Getenv("HEARTH_TEST_PREPARE_DATA"); dir != "" {
		os.Exit(prepareDataChild(dir))
	}
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

// simcamProcess runs "hearth simcam" in a child process and returns the
// camera IDs and URLs it prints.
func simcamProcess(tb testing.TB, args ...string) []nvr.Camera {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HEARTH_TEST_SUBCOMMAND=simcam --listen 127.0.0.1:0 "+strings.Join(args, " "))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = stdin.Close(); _ = cmd.Wait() })
	var cams []nvr.Camera
	sc := bufio.NewScanner(out)
	want := 0
	for _, a := range args {
		if n, ok := strings.CutPrefix(a, "--cameras="); ok {
			fmt.Sscan(n, &want)
		}
	}
	for len(cams) < want && sc.Scan() {
		var id, url string
		if _, err := fmt.Sscanf(sc.Text(), "camera %s %s", &id, &url); err == nil {
			cams = append(cams, nvr.Camera{ID: nvr.CameraID(id), HouseholdID: 1, Name: id[:6], MainURL: url,
				Transport: nvr.TransportTCP, Enabled: true, LocalOK: true})
		}
	}
	go func() { // keep draining
		for sc.Scan() {
		}
	}()
	if len(cams) != want {
		tb.Fatalf("simcam printed %d cameras, want %d", len(cams), want)
	}
	return cams
}
