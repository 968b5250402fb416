package segment

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

const umaskChildEnv = "HEARTH_TEST_SEGMENT_UMASK"

// TestCreateFileIsNeverWorldReadable (issue 14, finding 5): a segment file
// is 0640 under the usual umask 022 and a permissive 000: readable by the
// service user and its group (a backup account may be given the group),
// never by everyone. The umask is the whole process's, so each one runs in
// a child process.
func TestCreateFileIsNeverWorldReadable(t *testing.T) {
	if mask := os.Getenv(umaskChildEnv); mask != "" {
		m, err := strconv.ParseUint(mask, 8, 32)
		if err != nil {
			t.Fatal(err)
		}
		syscall.Umask(int(m))
		f, err := CreateFile(filepath.Join(os.Getenv(umaskChildEnv+"_DIR"), "seg.mp4"))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Parallel()
	for _, mask := range []string{"022", "000"} {
		t.Run("umask "+mask, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCreateFileIsNeverWorldReadable$", "-test.count=1")
			cmd.Env = append(os.Environ(), umaskChildEnv+"="+mask, umaskChildEnv+"_DIR="+dir)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			fi, err := os.Stat(filepath.Join(dir, "seg.mp4"))
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got&0o007 != 0 || got != 0o640 {
				t.Fatalf("segment file under umask %s: %v, want 0640", mask, got)
			}
		})
	}
}
