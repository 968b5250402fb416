package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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

// withApp opens the data directory for one admin command. A database it
// has to create is said on e.stderr (when set): run without --data away
// from the server's directory, a command made a new, empty Hearth there,
// answered "created", and the running server never saw the change.
func withApp(ctx context.Context, e env, dataDir string, f func(*app) error) error {
	_, statErr := os.Stat(filepath.Join(dataDir, databaseFile))
	a, err := openApp(ctx, dataDir, appOptions{})
	if err != nil {
		return err
	}
	defer a.Close()
	if errors.Is(statErr, fs.ErrNotExist) && e.stderr != nil {
		where, err := filepath.Abs(dataDir)
		if err != nil {
			where = dataDir
		}
		fmt.Fprintf(e.stderr, "hearth: started a new, empty data directory at %s: a running server sees this only if it was started with --data %s\n", where, where)
	}
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
