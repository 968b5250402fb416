package main

import (
	"flag"

	"github.com/hearthnvr/hearth/cmd/internal/cmdline"
)

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name string, e env) *flag.FlagSet { return cmdline.NewFlags("hearth", name, e.stderr) }

// parseArgs parses flags anywhere on the line and returns the positional
// arguments (cmdline.ParseArgs).
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) { return cmdline.ParseArgs(fs, args) }

// wantArgs checks the number of positional arguments.
func wantArgs(pos []string, n int, usage string) error {
	if len(pos) != n {
		return usagef("usage: %s", usage)
	}
	return nil
}

// oneLine folds an error onto one line for the terminal and logs.
func oneLine(s string) string { return cmdline.OneLine(s) }
