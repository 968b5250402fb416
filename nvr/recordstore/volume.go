package recordstore

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/hearthnvr/hearth/nvr"
)

// Volume identity (docs/storage.md, "Volume identity"). The recordings
// directory holds VolumeMarker with a random ID; the data directory holds
// VolumeIDFile with the same ID and the filesystem type the recordings were
// created on. Before recovery or recording touches anything, both must
// agree: a missing, replaced or unmounted recordings directory stops
// recording with a clear state instead of writing to the wrong disk or
// deleting index rows whose files "vanished".
const (
	RecordingsDirName = "recordings"
	VolumeMarker      = ".hearth-volume"
	VolumeIDFile      = "volume-id"
)

// Volume is a verified recordings directory.
type Volume struct {
	Dir string // <data>/recordings
	ID  string // 32 hex characters
}

// volumeRecord is the content of the identity files:
//
//	hearth-volume <id> fstype=<hex magic>
type volumeRecord struct {
	id     string
	fsType int64
}

func (v volumeRecord) marshal() []byte {
	return []byte("hearth-volume " + v.id + " fstype=" + strconv.FormatInt(v.fsType, 16) + "\n")
}

func parseVolumeRecord(p []byte) (volumeRecord, error) {
	f := strings.Fields(string(bytes.TrimSpace(p)))
	if len(f) < 2 || f[0] != "hearth-volume" || len(f[1]) != 32 {
		return volumeRecord{}, errors.New("not a hearth volume identity")
	}
	if _, err := hex.DecodeString(f[1]); err != nil {
		return volumeRecord{}, errors.New("not a hearth volume identity")
	}
	v := volumeRecord{id: f[1], fsType: -1}
	for _, kv := range f[2:] {
		if s, ok := strings.CutPrefix(kv, "fstype="); ok {
			if n, err := strconv.ParseInt(s, 16, 64); err == nil {
				v.fsType = n
			}
		}
	}
	return v, nil
}

// volumeErr is the error every volume problem is reported with; its
// message starts with "recordings directory" so the recorder's state reads
// "error: recordings directory …".
func volumeErr(dir, format string, args ...any) error {
	return &nvr.Error{Op: "check volume", Kind: nvr.KindUnavailable,
		Msg: "recordings directory " + dir + " " + fmt.Sprintf(format, args...)}
}

// OpenVolume verifies the recordings directory of dataDir, creating it and
// its identity on first start (neither the data directory's volume-id nor
// the recordings directory's marker exists). It never creates a recordings
// directory once volume-id exists: a missing directory then means an
// unmounted or removed disk. The error (kind Unavailable) says what is
// wrong.
func OpenVolume(dataDir string) (Volume, error) {
	return openVolume(dataDir, true)
}

// CheckVolume verifies the recordings directory like OpenVolume but never
// creates anything (hearth check).
func CheckVolume(dataDir string) (Volume, error) {
	return openVolume(dataDir, false)
}

func openVolume(dataDir string, create bool) (Volume, error) {
	dir := filepath.Join(dataDir, RecordingsDirName)
	want, werr := readVolumeRecord(filepath.Join(dataDir, VolumeIDFile))
	if werr != nil && !errors.Is(werr, fs.ErrNotExist) {
		return Volume{}, volumeErr(dir, "cannot be verified: %s: %v", VolumeIDFile, werr)
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if werr == nil {
			return Volume{}, volumeErr(dir, "is missing (disk not mounted?); expected volume %s", want.id)
		}
		if !create {
			return Volume{}, volumeErr(dir, "does not exist yet (created on first start)")
		}
		return createVolume(dataDir, dir)
	case err != nil:
		return Volume{}, volumeErr(dir, "is not usable: %v", err)
	case !fi.IsDir():
		return Volume{}, volumeErr(dir, "is not a directory")
	}
	have, herr := readVolumeRecord(filepath.Join(dir, VolumeMarker))
	fsType, ferr := statfsType(dir)
	if ferr != nil {
		return Volume{}, volumeErr(dir, "is not usable: %v", ferr)
	}
	switch {
	case herr != nil && errors.Is(herr, fs.ErrNotExist) && werr == nil:
		return Volume{}, volumeErr(dir, "has no %s (disk not mounted, or replaced?); expected volume %s", VolumeMarker, want.id)
	case herr != nil && errors.Is(herr, fs.ErrNotExist):
		// First start with an existing, unmarked directory: adopt it.
		if !create {
			return Volume{}, volumeErr(dir, "has no %s yet (created on first start)", VolumeMarker)
		}
		return createVolume(dataDir, dir)
	case herr != nil:
		return Volume{}, volumeErr(dir, "has an unreadable %s: %v", VolumeMarker, herr)
	case werr != nil:
		// The marker exists but the data directory lost volume-id (crash
		// during first start, or a restored data directory): adopt the
		// marker's identity.
		if !create {
			return Volume{}, volumeErr(dir, "is volume %s but %s is missing in %s", have.id, VolumeIDFile, dataDir)
		}
		if have.fsType < 0 {
			have.fsType = fsType
		}
		if err := writeFileSync(filepath.Join(dataDir, VolumeIDFile), have.marshal()); err != nil {
			return Volume{}, volumeErr(dir, "identity cannot be saved: %v", err)
		}
		return Volume{Dir: dir, ID: have.id}, nil
	case have.id != want.id:
		return Volume{}, volumeErr(dir, "is volume %s, expected %s (another disk or a replaced directory)", have.id, want.id)
	case want.fsType >= 0 && want.fsType != fsType:
		return Volume{}, volumeErr(dir, "is on another filesystem (type %x, expected %x)", fsType, want.fsType)
	}
	return Volume{Dir: dir, ID: want.id}, nil
}

// createVolume is first start. Procedure: 1. mkdir recordings, fsync the
// data directory; 2. write the marker (temp file, fsync, rename, fsync
// dir); 3. write volume-id the same way. A crash after 2 leaves a marker
// without volume-id, which the next start adopts.
func createVolume(dataDir, dir string) (Volume, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return Volume{}, volumeErr(dir, "cannot be created: %v", err)
	}
	if err := SyncDir(dataDir); err != nil {
		return Volume{}, volumeErr(dir, "cannot be created: %v", err)
	}
	fsType, err := statfsType(dir)
	if err != nil {
		return Volume{}, volumeErr(dir, "is not usable: %v", err)
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	rec := volumeRecord{id: hex.EncodeToString(b[:]), fsType: fsType}
	if err := writeFileSync(filepath.Join(dir, VolumeMarker), rec.marshal()); err != nil {
		return Volume{}, volumeErr(dir, "identity cannot be written: %v", err)
	}
	if err := writeFileSync(filepath.Join(dataDir, VolumeIDFile), rec.marshal()); err != nil {
		return Volume{}, volumeErr(dir, "identity cannot be saved: %v", err)
	}
	return Volume{Dir: dir, ID: rec.id}, nil
}

func readVolumeRecord(path string) (volumeRecord, error) {
	p, err := os.ReadFile(path)
	if err != nil {
		return volumeRecord{}, err
	}
	return parseVolumeRecord(p)
}

// Verify re-reads the marker: the directory is still the same volume. The
// recorder calls it before every new segment (cheap: one small read).
func (v Volume) Verify() error {
	have, err := readVolumeRecord(filepath.Join(v.Dir, VolumeMarker))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return volumeErr(v.Dir, "lost its %s (disk unmounted?)", VolumeMarker)
		}
		return volumeErr(v.Dir, "has an unreadable %s: %v", VolumeMarker, err)
	}
	if have.id != v.ID {
		return volumeErr(v.Dir, "is volume %s, expected %s", have.id, v.ID)
	}
	return nil
}

// writeFileSync writes path atomically and durably: temp file, fsync,
// rename, fsync the directory.
func writeFileSync(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return SyncDir(filepath.Dir(path))
}

func statfsType(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Type), nil
}
