package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cliUnderUmask runs "hearth ARGS" in a child process under umask mask (the
// umask belongs to the whole process, so it is never changed here).
func cliUnderUmask(t *testing.T, mask string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HEARTH_TEST_UMASK="+mask, "HEARTH_TEST_SUBCOMMAND="+strings.Join(args, " "))
	// TestMain stops the child when its stdin ends: keep it open until the
	// command has returned by itself.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hearth %v under umask %s: %v\n%s", args, mask, err, out)
	}
}

// TestCLICreatesPrivateFiles (issue 14, finding 5): the first CLI command
// on a new data directory, and a backup, leave the directory 0700 and the
// database and backup 0600 under the usual umask 022 and a permissive 000;
// an existing data directory open to others loses those bits.
func TestCLICreatesPrivateFiles(t *testing.T) {
	t.Parallel()
	for _, mask := range []string{"022", "000"} {
		t.Run("umask "+mask, func(t *testing.T) {
			t.Parallel()
			base := t.TempDir()
			data := filepath.Join(base, "new", "data")
			backup := filepath.Join(base, "backup.db")
			cliUnderUmask(t, mask, "household", "add", "Alpha", "--data", data)
			cliUnderUmask(t, mask, "backup", backup, "--data", data)
			for _, c := range []struct {
				path string
				want os.FileMode
			}{
				{filepath.Join(base, "new"), 0o700},
				{data, 0o700},
				{filepath.Join(data, databaseFile), 0o600},
				{backup, 0o600},
			} {
				fi, err := os.Stat(c.path)
				if err != nil {
					t.Fatal(err)
				}
				if got := fi.Mode().Perm(); got != c.want {
					t.Errorf("%s under umask %s: %v, want %v", c.path, mask, got, c.want)
				}
			}
		})
	}
	t.Run("existing directory open to others", func(t *testing.T) {
		t.Parallel()
		data := t.TempDir()
		if err := os.Chmod(data, 0o755); err != nil {
			t.Fatal(err)
		}
		mustCLI(t, "", "household", "add", "Alpha", "--data", data)
		fi, err := os.Stat(data)
		if err != nil || fi.Mode().Perm() != 0o750 {
			t.Fatalf("data directory after a command: %v %v, want 0750", fi.Mode().Perm(), err)
		}
	})
}
