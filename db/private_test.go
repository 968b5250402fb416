package db_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
)

// umaskChildEnv, when set, makes TestDatabaseFilesArePrivate the child that
// runs under that umask. The umask belongs to the whole process, so it is
// changed only in a child of its own, never under parallel tests.
const umaskChildEnv = "HEARTH_TEST_UMASK_CHILD"

// TestDatabaseFilesArePrivate (issue 14, finding 5): the database, its -wal
// and -shm files and a backup are 0600 whatever the umask (the usual 022 and
// a permissive 000), because they hold camera passwords and credential
// hashes. Each umask runs in a child process that prints the modes it sees
// while the database is open (-wal and -shm exist only then).
func TestDatabaseFilesArePrivate(t *testing.T) {
	if mask := os.Getenv(umaskChildEnv); mask != "" {
		umaskChild(t, mask)
		return
	}
	t.Parallel()
	for _, mask := range []string{"022", "000"} {
		t.Run("umask "+mask, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestDatabaseFilesArePrivate$", "-test.count=1")
			cmd.Env = append(os.Environ(), umaskChildEnv+"="+mask, "HEARTH_TEST_UMASK_DIR="+dir)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			seen := map[string]string{}
			sc := bufio.NewScanner(bytes.NewReader(out))
			for sc.Scan() {
				if name, mode, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "MODE "), " "); ok && strings.HasPrefix(sc.Text(), "MODE ") {
					seen[name] = mode
				}
			}
			for _, name := range []string{"hearth.db", "hearth.db-wal", "hearth.db-shm", "backup.db"} {
				if got := seen[name]; got != "600" {
					t.Errorf("%s under umask %s: mode %q, want 600 (child output:\n%s)", name, mask, got, out)
				}
			}
			for _, name := range []string{"hearth.db", "backup.db"} {
				fi, err := os.Stat(filepath.Join(dir, name))
				if err != nil || fi.Mode().Perm() != db.FileMode {
					t.Errorf("%s after close: %v %v, want %v", name, fi.Mode(), err, db.FileMode)
				}
			}
		})
	}
}

func umaskChild(t *testing.T, mask string) {
	m, err := strconv.ParseUint(mask, 8, 32)
	if err != nil {
		t.Fatalf("umask %q: %v", mask, err)
	}
	syscall.Umask(int(m))
	dir := os.Getenv("HEARTH_TEST_UMASK_DIR")
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(dir, "hearth.db"))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer d.Close()
	if _, err := d.CreateHousehold(ctx, "Alpha", time.Now()); err != nil {
		t.Fatalf("write: %v", err)
	}
	if err := d.Backup(ctx, filepath.Join(dir, "backup.db")); err != nil {
		t.Fatalf("backup: %v", err)
	}
	for _, name := range []string{"hearth.db", "hearth.db-wal", "hearth.db-shm", "backup.db"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("stat %s: %v", name, err)
		}
		fmt.Printf("MODE %s %o\n", name, fi.Mode().Perm())
	}
}

// TestOpenNarrowsAWiderDatabase: a database (and its -wal) left 0644 by an
// earlier version or a copy is narrowed to 0600 when opened.
func TestOpenNarrowsAWiderDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "hearth.db")
	d, err := db.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal"} {
		if err := os.WriteFile(p, nil, 0o644); err != nil && p == path+"-wal" {
			t.Fatal(err)
		}
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err = db.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != db.FileMode {
			t.Errorf("%s: %v %v, want %v", filepath.Base(p), fi.Mode().Perm(), err, db.FileMode)
		}
	}
}
