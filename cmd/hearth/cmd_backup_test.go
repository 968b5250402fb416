package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
)

// backupCLI runs "hearth backup ARGS". Until main.go dispatches "backup" it
// calls cmdBackup and maps the error to an exit code the way run does.
func backupCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	stdout, stderr, code = cli(t, "", append([]string{"backup"}, args...)...)
	if !strings.Contains(stderr, `unknown command "backup"`) {
		return stdout, stderr, code
	}
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := cmdBackup(ctx, args, env{stdout: &out, stderr: &errb})
	var ue usageError
	switch {
	case err == nil:
		code = exitOK
	case errors.As(err, &ue):
		code = exitUsage
		fmt.Fprintf(&errb, "hearth: %s\n", err)
	default:
		code = exitFailure
		fmt.Fprintf(&errb, "hearth: %s\n", oneLine(err.Error()))
	}
	return out.String(), errb.String(), code
}

func TestBackupWhileWriting(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	ctx := context.Background()
	store, err := db.Open(ctx, filepath.Join(data, databaseFile))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for i := range 20 {
		if _, err := store.CreateHousehold(ctx, fmt.Sprintf("before %d", i), time.Now()); err != nil {
			t.Fatal(err)
		}
	}

	// A writer keeps committing while the backup runs, as serve would.
	stop := make(chan struct{})
	writerDone := make(chan error, 1)
	var written atomic.Int64
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				writerDone <- nil
				return
			default:
			}
			if _, err := store.CreateHousehold(ctx, fmt.Sprintf("during %d", i), time.Now()); err != nil {
				writerDone <- err
				return
			}
			written.Add(1)
		}
	}()
	for written.Load() < 5 { // the writer is really running
		time.Sleep(time.Millisecond)
	}

	dest := filepath.Join(t.TempDir(), "hearth-backup.db")
	out, errs, code := backupCLI(t, dest, "--data", data)
	close(stop)
	if err := <-writerDone; err != nil {
		t.Fatalf("writer failed during the backup: %v", err)
	}
	if code != exitOK {
		t.Fatalf("backup: exit %d: %s", code, errs)
	}
	if !strings.Contains(out, dest) || !strings.Contains(out, "To restore") {
		t.Errorf("backup output %q does not name the file and the restore procedure", out)
	}
	if written.Load() < 6 {
		t.Logf("writer committed %d rows while backing up", written.Load())
	}

	// Restore as documented: the copy becomes <data>/hearth.db of a stopped
	// server; it opens and holds the rows.
	restored := t.TempDir()
	b, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(restored, databaseFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	copyDB, err := db.Open(ctx, filepath.Join(restored, databaseFile))
	if err != nil {
		t.Fatalf("backup does not open: %v", err)
	}
	defer copyDB.Close()
	hs, err := copyDB.Households(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before, during := 0, 0
	for _, h := range hs {
		switch {
		case strings.HasPrefix(h.Name, "before "):
			before++
		case strings.HasPrefix(h.Name, "during "):
			during++
		}
	}
	if before != 20 || during < 5 || int64(during) > written.Load() {
		t.Errorf("backup holds %d earlier and %d concurrent rows; want 20 and 5..%d", before, during, written.Load())
	}
	if out := mustCLI(t, "", "household", "list", "--data", restored); !strings.Contains(out, "before 19") {
		t.Errorf("restored data directory lists %q", out)
	}
}

func TestBackupErrors(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	mustCLI(t, "", "household", "add", "Rivera family", "--data", data)
	existing := filepath.Join(t.TempDir(), "taken.db")
	if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"destination exists", []string{existing, "--data", data}, exitFailure, "already exists"},
		{"destination is a directory", []string{t.TempDir(), "--data", data}, exitFailure, "already exists"},
		{"no database", []string{filepath.Join(t.TempDir(), "x.db"), "--data", t.TempDir()}, exitFailure, "no database"},
		{"missing destination directory", []string{filepath.Join(t.TempDir(), "no", "x.db"), "--data", data}, exitFailure, "does not exist"},
		{"no destination", []string{"--data", data}, exitUsage, "usage: hearth backup DEST"},
		{"two destinations", []string{"a.db", "b.db", "--data", data}, exitUsage, "usage: hearth backup DEST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errs, code := backupCLI(t, tc.args...)
			t.Logf("stderr: %s", errs)
			if code != tc.code || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errs, tc.code, tc.want)
			}
			if n := strings.Count(strings.TrimSpace(errs), "\n"); tc.code == exitFailure && n != 0 {
				t.Errorf("failure is %d lines: %q", n+1, errs)
			}
		})
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Errorf("an existing destination was overwritten: %q", b)
	}
	// A failed backup creates no data directory or database by accident.
	empty := filepath.Join(t.TempDir(), "absent")
	if _, _, code := backupCLI(t, filepath.Join(t.TempDir(), "x.db"), "--data", empty); code != exitFailure {
		t.Errorf("missing data directory: exit %d", code)
	}
	if _, err := os.Stat(empty); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("backup created %s: %v", empty, err)
	}
}
