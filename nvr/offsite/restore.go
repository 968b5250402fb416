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

// Restore rebuilds playable fragmented MP4s from an off-site copy at src
// (a local directory: a mounted disk, or a copy fetched from the SFTP
// host) with the household's identities alone: for each segment the init
// followed by its fragments, numbered from 1, up to the first one missing
// (a copy cut off mid-event ends at its last whole fragment). Next to each
// <dest>/<camera>/<segment>.mp4 it writes <segment>.json, the decrypted
// time index. It never writes into src.
func Restore(ids []age.Identity, src, dest string) ([]RestoredSegment, error) {
	cams, err := os.ReadDir(src)
	if err != nil {
		return nil, fmt.Errorf("read source: %w", err)
	}
	var out []RestoredSegment
	for _, cam := range cams {
		if !cam.IsDir() {
			continue
		}
		segs, err := os.ReadDir(filepath.Join(src, cam.Name()))
		if err != nil {
			return out, fmt.Errorf("read source: %w", err)
		}
		for _, seg := range segs {
			if !seg.IsDir() {
				continue
			}
			if len(out) >= maxRestoreSegments {
				return out, fmt.Errorf("more than %d segments", maxRestoreSegments)
			}
			r, err := restoreSegment(ids, filepath.Join(src, cam.Name(), seg.Name()), filepath.Join(dest, cam.Name()), cam.Name(), seg.Name())
			if errors.Is(err, errNoFootage) {
				continue
			}
			if err != nil {
				return out, fmt.Errorf("segment %s/%s: %w", cam.Name(), seg.Name(), err)
			}
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out, nil
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
