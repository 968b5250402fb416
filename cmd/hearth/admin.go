package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/hearthnvr/hearth/nvr"
)

// adminFlags adds the flag every admin command shares.
func adminFlags(name string, e env) (*flag.FlagSet, *string) {
	fs := newFlags(name, e)
	data := fs.String("data", "./hearth-data", "data directory")
	return fs, data
}

// withApp opens the data directory for one admin command.
func withApp(ctx context.Context, dataDir string, f func(*app) error) error {
	a, err := openApp(ctx, dataDir, appOptions{})
	if err != nil {
		return err
	}
	defer a.Close()
	return f(a)
}

func subcommand(args []string, usage string) (string, []string, error) {
	if len(args) == 0 {
		return "", nil, usagef("%s", usage)
	}
	return args[0], args[1:], nil
}

func table(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0) }

// readPassword prompts twice on a terminal, or reads the first line of
// standard input otherwise. Passwords are never flags: flags end up in
// shell history and in /proc/*/cmdline.
func readPassword(e env, prompt string) (string, error) {
	if e.stdinIsTerminal != nil && e.stdinIsTerminal() && e.readHidden != nil {
		fmt.Fprint(e.stderr, prompt+": ")
		pw, err := e.readHidden()
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(e.stderr, "again: ")
		again, err := e.readHidden()
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if pw != again {
			return "", fmt.Errorf("the passwords do not match")
		}
		return pw, nil
	}
	line, err := bufio.NewReader(io.LimitReader(e.stdin, nvr.MaxPasswordLen+2)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password from standard input: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", fmt.Errorf("no password on standard input (pipe it in, e.g. `printf '%%s\\n' \"$PW\" | hearth user add ...`)")
	}
	return pw, nil
}

// errMessage is the user-facing text of a domain error.
func errMessage(err error) error {
	if nvr.ErrorKind(err) == nvr.KindInternal {
		return err
	}
	return fmt.Errorf("%s", nvr.ErrorMessage(err))
}
