package recordstore

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"

	"github.com/hearthnvr/hearth/nvr"
)

// RecorderLockFile is the file in the data directory that a running
// recorder holds an exclusive flock on.
const RecorderLockFile = "recorder.lock"

// ErrRecordingsBusy reports that another process (hearth serve) records to
// the data directory.
var ErrRecordingsBusy = &nvr.Error{Op: "lock recordings", Kind: nvr.KindConflict,
	Msg: "another hearth process is recording to this data directory (stop hearth serve first)"}

// LockRecordings takes the data directory's recorder lock without waiting:
// one recorder per data directory, and `hearth check --repair` never runs
// beside one. The lock is an flock, so it is released by the kernel when
// the process dies. It returns ErrRecordingsBusy when another process
// holds it.
func LockRecordings(dataDir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dataDir, RecorderLockFile), os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, nvr.Wrap("lock recordings", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrRecordingsBusy
		}
		return nil, nvr.Wrap("lock recordings", err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
