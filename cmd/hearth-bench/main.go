// Command hearth-bench runs Hearth's performance scenarios on loopback and
// prints one table each (docs/performance.md). It is not part of the
// release: it links test clients (a pion WHEP viewer) the appliance has
// no use for.
package main

import (
	"context"
	"flag"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/hearthnvr/hearth/cmd/internal/cmdline"
	"github.com/hearthnvr/hearth/cmd/internal/simcamcmd"
)

// databaseFile is the SQLite file of the scenarios' own data directories.
const databaseFile = "hearth.db"

// env is what one run sees of the process: its streams, and how to run
// this program again in another process (the simulated cameras and the
// far side of a scenario must not be measured with Hearth).
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// self, if set, makes a command running this program with args (tests
	// re-run the test binary); default: os.Executable.
	self func(args ...string) *exec.Cmd
}

// selfCommand returns a command that runs hearth-bench with args.
func (e env) selfCommand(args ...string) *exec.Cmd {
	if e.self != nil {
		return e.self(args...)
	}
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	return exec.Command(exe, args...)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr})
	stop()
	os.Exit(code)
}

// run executes one command line and returns the process exit code:
// "hearth-bench [flags] SCENARIO...", or one of the hidden children the
// harness starts ("simcam ARGS", "bench-child ARGS").
func run(ctx context.Context, args []string, e env) int {
	var err error
	switch {
	case len(args) > 0 && args[0] == "simcam":
		err = simcamcmd.Run(ctx, "hearth-bench", args[1:], e.stdout, e.stderr, nil)
	case len(args) > 0 && args[0] == "bench-child":
		err = cmdBenchChild(ctx, args[1:], e)
	default:
		err = cmdBench(ctx, args, e)
	}
	return cmdline.Exit("hearth-bench", err, e.stderr)
}

// version names the build in the machine line of every report.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "dev " + s.Value[:12]
		}
	}
	return "dev"
}

func newFlags(name string, e env) *flag.FlagSet {
	return cmdline.NewFlags("hearth-bench", name, e.stderr)
}

func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) { return cmdline.ParseArgs(fs, args) }

func usagef(format string, args ...any) error { return cmdline.Usagef(format, args...) }

func oneLine(s string) string { return cmdline.OneLine(s) }
