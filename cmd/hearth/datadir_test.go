package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
)

// prepareDataChild is what every CLI command and serve do first (newApp):
// prepare the data directory and open the database in it. TestMain runs it
// in a child process under HEARTH_TEST_UMASK; a full CLI run would add a
// production argon2 hash, seconds under -race.
func prepareDataChild(dir string) int {
	if err := prepareDataDir(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	store, err := db.Open(context.Background(), filepath.Join(dir, databaseFile))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := store.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestDataDirIsPrivate (issue 14, finding 5): a new data directory (and
// the parents made for it) is 0700 and its database 0600 under the usual
// umask 022 and a permissive 000, each in a child process; an existing data
// directory open to others loses those bits and keeps its group's.
func TestDataDirIsPrivate(t *testing.T) {
	t.Parallel()
	for _, mask := range []string{"022", "000"} {
		t.Run("umask "+mask, func(t *testing.T) {
			t.Parallel()
			base := t.TempDir()
			data := filepath.Join(base, "new", "data")
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "HEARTH_TEST_UMASK="+mask, "HEARTH_TEST_PREPARE_DATA="+data)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("child under umask %s: %v\n%s", mask, err, out)
			}
			for _, c := range []struct {
				path string
				want os.FileMode
			}{
				{filepath.Join(base, "new"), 0o700},
				{data, 0o700},
				{filepath.Join(data, databaseFile), 0o600},
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
		if err := prepareDataDir(data); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(data)
		if err != nil || fi.Mode().Perm() != 0o750 {
			t.Fatalf("data directory after prepareDataDir: %v %v, want 0750", fi.Mode().Perm(), err)
		}
	})
}
