// Package cmdline is what Hearth's binaries (hearth, hearth-bench) share about
// command lines: flags parsed anywhere on the line, usage errors, one exit
// code mapping and one-line error output.
package cmdline

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1 // the command ran and failed
	ExitUsage   = 2 // the command line was wrong
)

// ErrHelp ends a command that printed its help (exit 0).
var ErrHelp = errors.New("help shown")

// UsageError marks a bad command line (exit code 2).
type UsageError struct{ Msg string }

func (e UsageError) Error() string { return e.Msg }

// Usagef returns a UsageError.
func Usagef(format string, args ...any) error { return UsageError{fmt.Sprintf(format, args...)} }

// NewFlags returns a flag set named "PROG NAME" that reports errors to
// stderr instead of exiting.
func NewFlags(prog, name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(strings.TrimSpace(prog+" "+name), flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// ParseArgs parses flags anywhere on the line ("user add alice --role
// viewer" and "user add --role viewer alice" alike) and returns the
// positional arguments. "--" ends flag parsing.
func ParseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, ErrHelp
			}
			return nil, Usagef("%s", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// fs.Parse stops at the first positional argument, or after "--".
		if consumedDashDash(args, rest) {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func consumedDashDash(args, rest []string) bool {
	i := len(args) - len(rest) - 1
	return i >= 0 && args[i] == "--"
}

// OneLine folds an error onto one line for the terminal and logs.
func OneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// Exit reports err on stderr as "PROG: message" (one line unless it is a
// usage text) and returns the process exit code.
func Exit(prog string, err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, ErrHelp) {
		return ExitOK
	}
	var ue UsageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "%s: %s\n", prog, err)
		return ExitUsage
	}
	fmt.Fprintf(stderr, "%s: %s\n", prog, OneLine(err.Error()))
	return ExitFailure
}
