package record

import (
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/recordstore"
	"github.com/hearthnvr/hearth/streams/hub"
	"github.com/hearthnvr/hearth/streams/segment"
	"github.com/hearthnvr/hearth/streams/sei"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// recDecodeErrors decodes path with ffmpeg and returns what it reported.
func recDecodeErrors(t testing.TB, path string) string {
	t.Helper()
	bin := testpeer.Require(t, "ffmpeg")
	out, err := exec.Command(bin, "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput()
	if err != nil {
		return string(out) + err.Error()
	}
	return strings.TrimSpace(string(out))
}

// recStamps returns the camera IDs of the SEI stamps in the stored video
// samples of a segment file (the video track's data leads each mdat).
func recStamps(t testing.TB, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := recordstore.ScanPath(path)
	if err != nil {
		t.Fatalf("scan %s: %v", path, err)
	}
	var ids []string
	for _, f := range l.Fragments {
		// Skip prft (if any) and moof to the mdat payload.
		off := f.Offset
		for off < f.Offset+f.Length {
			size := int64(binary.BigEndian.Uint32(data[off:]))
			typ := string(data[off+4 : off+8])
			if typ == "mdat" {
				p := data[off+8 : off+8+f.Tracks[0].DataSize]
				for len(p) >= 4 {
					n := int(binary.BigEndian.Uint32(p))
					if st, ok := sei.Parse(p[4 : 4+n]); ok {
						ids = append(ids, st.CameraID)
					}
					p = p[4+n:]
				}
			}
			off += size
		}
	}
	return ids
}

// fakeHubs is a hubSource over hubs the test publishes to.
type fakeHubs struct {
	mu   sync.Mutex
	hubs map[nvr.CameraID]*hub.Hub
}

func (f *fakeHubs) RecordHub(id nvr.CameraID) *hub.Hub {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hubs[id]
}

func (f *fakeHubs) set(id nvr.CameraID, h *hub.Hub) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hubs == nil {
		f.hubs = map[nvr.CameraID]*hub.Hub{}
	}
	f.hubs[id] = h
}

// fullDisk is a disk with a byte budget shared by every file created
// through it: a write past the budget writes what fits and fails with
// ENOSPC, like a real full filesystem.
type fullDisk struct {
	mu   sync.Mutex
	free int64
}

func (d *fullDisk) setFree(n int64) {
	d.mu.Lock()
	d.free = n
	d.mu.Unlock()
}

func (d *fullDisk) create(path string) (segment.File, error) {
	f, err := segment.CreateFile(path)
	if err != nil {
		return nil, err
	}
	return &budgetFile{File: f, disk: d}, nil
}

type budgetFile struct {
	*os.File
	disk *fullDisk
}

func (b *budgetFile) Write(p []byte) (int, error) {
	b.disk.mu.Lock()
	n := int64(len(p))
	full := n > b.disk.free
	if full {
		n = max(b.disk.free, 0)
	}
	b.disk.free -= n
	b.disk.mu.Unlock()
	w, err := b.File.Write(p[:n])
	if err == nil && full {
		err = &os.PathError{Op: "write", Path: b.Name(), Err: syscall.ENOSPC}
	}
	return w, err
}

// runRecorder runs r until the test ends (or stop is called).
func runRecorder(t testing.TB, r *Recorder) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("recorder run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// checkClean runs the deep check and fails on any finding.
func checkClean(t testing.TB, store nvr.RecordingStore, dir string) recordstore.StorageReport {
	t.Helper()
	rep, err := recordstore.CheckStorage(context.Background(), store, dir, recordstore.CheckOptions{})
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	for _, f := range rep.Findings {
		t.Errorf("check finding: %s", f)
	}
	return rep
}

func segAbs(dir string, s nvr.Segment) string { return filepath.Join(dir, filepath.FromSlash(s.Path)) }
