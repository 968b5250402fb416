// Command hearth is a self-hosted network video recorder: it records the
// household's IP cameras and serves each household only its own video.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/hearthnvr/hearth/cmd/internal/cmdline"
	"github.com/hearthnvr/hearth/nvr/events"
)

// version and commit are stamped by the release build (-ldflags -X).
var (
	version = "dev"
	commit  = "unknown"
)

// env is the process environment a command runs in; tests supply their own.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// stdinIsTerminal reports whether passwords should be prompted for.
	stdinIsTerminal func() bool
	// readHidden reads one line from the terminal without echo.
	readHidden func() (string, error)
	// onListen, if set, is told the server's bound address (tests use port 0).
	onListen func(addr string)
	// eventMedia, if set, replaces serve's motion detectors and
	// thumbnailer. Tests only: production wiring is in serve.go.
	eventMedia func() (events.DetectorFactory, events.Thumbnailer)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{
		stdin:           os.Stdin,
		stdout:          os.Stdout,
		stderr:          os.Stderr,
		stdinIsTerminal: func() bool { return term.IsTerminal(int(os.Stdin.Fd())) },
		readHidden: func() (string, error) {
			b, err := term.ReadPassword(int(os.Stdin.Fd()))
			return string(b), err
		},
	})
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK      = cmdline.ExitOK
	exitFailure = cmdline.ExitFailure
	exitUsage   = cmdline.ExitUsage
)

// usageError marks a bad command line (exit code 2).
type usageError = cmdline.UsageError

func usagef(format string, args ...any) error { return cmdline.Usagef(format, args...) }

const topUsage = `usage: hearth <command> [flags]

commands:
  serve       run the NVR (--config FILE, --data DIR, --listen ADDR, --tls off|auto|files)
  demo        run with simulated cameras, two households and printed logins (--listen, --data)
  version     print the version
  backup      copy the database consistently while serving (DEST [--data DIR])
  check       verify the recording index against the files (--repair, --data)
  household   add | list | remove
  user        add | list | passwd | remove | role | admin | disable | enable | assign | unassign
  camera      add | list | edit | remove | move | shutter
  token       create | list | revoke
  notify      channel add|list|remove | rule add|list|remove | test   (a user's notifications)
  mqtt        add | list | remove (Home Assistant integrations; broker in the config file)
  offsite     set | show | remove | restore (encrypted off-site copies of a household's footage)
  simcam      serve simulated cameras over RTSP (--listen, --cameras, --fps, --size, --flap, --stall, --user, --pass)

Run "hearth <command> -h" for a command's flags.`

// run executes one command line and returns the process exit code. Every
// failure is one line on stderr.
func run(ctx context.Context, args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, topUsage)
		return exitUsage
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		err = cmdServe(ctx, rest, e)
	case "version", "--version":
		fmt.Fprintf(e.stdout, "hearth %s (commit %s)\n", version, commit)
	case "household":
		err = cmdHousehold(ctx, rest, e)
	case "user":
		err = cmdUser(ctx, rest, e)
	case "camera":
		err = cmdCamera(ctx, rest, e)
	case "token":
		err = cmdToken(ctx, rest, e)
	case "notify":
		err = cmdNotify(ctx, rest, e)
	case "mqtt":
		err = cmdMQTT(ctx, rest, e)
	case "offsite":
		err = cmdOffsite(ctx, rest, e)
	case "simcam":
		err = cmdSimcam(ctx, rest, e)
	case "backup":
		err = cmdBackup(ctx, rest, e)
	case "check":
		err = cmdCheck(ctx, rest, e)
	case "demo":
		err = cmdDemo(ctx, rest, e)
	case "help", "-h", "--help":
		fmt.Fprintln(e.stdout, topUsage)
	default:
		err = usagef("unknown command %q\n%s", cmd, topUsage)
	}
	return cmdline.Exit("hearth", err, e.stderr)
}
