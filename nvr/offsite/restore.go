package offsite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"filippo.io/age"
)

// RestoredSegment is one MP4 rebuilt by Restore.
type RestoredSegment struct {
	Camera    string
	Segment   string
	File      string // the MP4 written under the destination
	Fragments int
	Start     time.Time
	End       time.Time // end of the last restored fragment (Start if the index is missing)
}

// maxRestoreSegments bounds one Restore.
const maxRestoreSegments = 1 << 20

// Restored is what Restore rebuilt, and what it left to other keys.
type Restored struct {
	Segments []RestoredSegment
	// OtherKeys counts segments encrypted for none of the identities
	// given: another household's, when households share a target folder.
	OtherKeys int
}

// Restore rebuilds playable fragmented MP4s from an off-site copy at src
// (a local directory: a mounted disk, or a copy fetched from the SFTP
// host) with the household's identities alone: for each segment the init
// followed by its fragments, numbered from 1, up to the first one missing
// (a copy cut off mid-event ends at its last whole fragment). Next to each
// <dest>/<camera>/<segment>.mp4 it writes <segment>.json, the decrypted
// time index. It never writes into src.
//
// src is the target folder (camera folders in it) or one camera's folder
// (segment folders in it). Segments encrypted for other keys are counted
// and passed over: households may share a target folder, each camera in
// a folder of its own.
func Restore(ids []age.Identity, src, dest string) (Restored, error) {
	var out Restored
	cams := []string{src}
	if !isCameraDir(src) {
		entries, err := os.ReadDir(src)
		if err != nil {
			return out, fmt.Errorf("read source: %w", err)
		}
		cams = cams[:0]
		for _, e := range entries {
			if e.IsDir() {
				cams = append(cams, filepath.Join(src, e.Name()))
			}
		}
	}
	var err error
	for _, dir := range cams {
		if err = restoreCamera(ids, dir, dest, filepath.Base(filepath.Clean(dir)), &out); err != nil {
			break
		}
	}
	sort.Slice(out.Segments, func(i, j int) bool { return out.Segments[i].File < out.Segments[j].File })
	return out, err
}

// isCameraDir reports whether dir holds segment folders (an init file
// one level down) rather than camera folders.
func isCameraDir(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if e.IsDir() {
			if _, err := os.Stat(filepath.Join(dir, e.Name(), initName)); err == nil {
				return true
			}
		}
	}
	return false
}

// restoreCamera restores the segments of one camera's folder into
// dest/<cam>.
func restoreCamera(ids []age.Identity, dir, dest, cam string, out *Restored) error {
	segs, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read source: %w", err)
	}
	for _, seg := range segs {
		if !seg.IsDir() {
			continue
		}
		if len(out.Segments)+out.OtherKeys >= maxRestoreSegments {
			return fmt.Errorf("more than %d segments", maxRestoreSegments)
		}
		r, err := restoreSegment(ids, filepath.Join(dir, seg.Name()), filepath.Join(dest, cam), cam, seg.Name())
		var other *age.NoIdentityMatchError
		switch {
		case errors.Is(err, errNoFootage):
		case errors.As(err, &other):
			out.OtherKeys++
		case err != nil:
			return fmt.Errorf("segment %s/%s: %w", cam, seg.Name(), err)
		default:
			out.Segments = append(out.Segments, r)
		}
	}
	return nil
}

var errNoFootage = errors.New("no footage")

func decryptFile(ids []age.Identity, path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := open(ids, f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return b, nil
}

func restoreSegment(ids []age.Identity, dir, destDir, cam, seg string) (RestoredSegment, error) {
	r := RestoredSegment{Camera: cam, Segment: seg}
	init, err := decryptFile(ids, filepath.Join(dir, initName))
	if errors.Is(err, fs.ErrNotExist) {
		return r, errNoFootage
	}
	if err != nil {
		return r, err
	}
	var x index
	if b, err := decryptFile(ids, filepath.Join(dir, indexName)); err == nil {
		if err := json.Unmarshal(b, &x); err != nil {
			return r, fmt.Errorf("index: %w", err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return r, err
	}
	var buf bytes.Buffer
	buf.Write(init)
	for n := 1; n <= maxRestoreSegments; n++ {
		b, err := decryptFile(ids, filepath.Join(dir, fragmentName(n)))
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return r, err
		}
		buf.Write(b)
		r.Fragments = n
	}
	if r.Fragments == 0 {
		return r, errNoFootage
	}
	// The index may name fewer fragments than were copied (a crash
	// between a fragment and its index): keep what it names, and the
	// rest play without wall times.
	r.Start, r.End = x.Start, x.Start
	for _, f := range x.Fragments {
		if f.N <= r.Fragments {
			r.End = f.Start.Add(time.Duration(f.Duration90k) * time.Second / 90000)
		}
	}
	if err := os.MkdirAll(destDir, 0o755); err != nil {
		return r, fmt.Errorf("destination: %w", err)
	}
	r.File = filepath.Join(destDir, seg+".mp4")
	if err := writeNew(r.File, buf.Bytes()); err != nil {
		return r, err
	}
	ib, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		return r, fmt.Errorf("index: %w", err)
	}
	if err := writeNew(filepath.Join(destDir, seg+".json"), ib); err != nil {
		return r, err
	}
	return r, nil
}

// writeNew writes a file that must not exist yet: a restore never
// overwrites footage.
func writeNew(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("restore %s: %w", path, err)
	}
	return nil
}
