package view

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/streams/segment"
	"github.com/hearthnvr/hearth/streams/sei"
)

// TestOpenClip: a clip of the granted camera's footage is an MP4 of that
// camera's frames; no footage, footage that cannot be read and a grant for
// another action all answer not found, a torn file with
// ErrNoPlayableFootage inside for the log.
func TestOpenClip(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	store, camA, camB := newPlaybackDB(t)
	recordSpan(t, store, dir, camA, base, 20)
	recordSpan(t, store, dir, camB, base.Add(30*time.Second), 20)
	pb := NewPlayback(store, dir)
	ctx := context.Background()
	gA := nvrtest.CameraGrant(t, nvr.Camera{ID: camA}, nvr.ActionViewRecordings)
	rng := nvr.TimeRange{Start: base.Add(2 * time.Second), End: base.Add(12 * time.Second)}

	clip, err := pb.OpenClip(ctx, gA, rng)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(clip.Reader())
	if cerr := clip.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if clip.Tag == "" || len(clip.Skipped) != 0 || len(body) < 8 || string(body[4:8]) != "ftyp" {
		t.Fatalf("clip: tag %q, skipped %v, %d bytes", clip.Tag, clip.Skipped, len(body))
	}
	// Every picture in it is camera A's.
	ids := clipStamps(t, body)
	if len(ids) == 0 {
		t.Fatal("a clip without stamped frames")
	}
	for _, id := range ids {
		if id != string(camA) {
			t.Fatalf("a frame stamped %q in camera A's clip", id)
		}
	}

	t.Run("nothing recorded", func(t *testing.T) {
		early := nvr.TimeRange{Start: base.Add(-time.Hour), End: base.Add(-59 * time.Minute)}
		if _, err := pb.OpenClip(ctx, gA, early); nvr.ErrorKind(err) != nvr.KindNotFound || errors.Is(err, ErrNoPlayableFootage) {
			t.Fatalf("no footage: %v", err)
		}
	})
	t.Run("live grant", func(t *testing.T) {
		g := nvrtest.CameraGrant(t, nvr.Camera{ID: camA}, nvr.ActionViewLive)
		if _, err := pb.OpenClip(ctx, g, rng); nvr.ErrorKind(err) != nvr.KindNotFound {
			t.Fatalf("a live-view grant: %v", err)
		}
	})
	t.Run("unreadable", func(t *testing.T) {
		gB := nvrtest.CameraGrant(t, nvr.Camera{ID: camB}, nvr.ActionViewRecordings)
		// The file is there but torn inside its init: nothing in it plays.
		segs, err := os.ReadDir(filepath.Join(dir, string(camB)))
		if err != nil || len(segs) != 1 {
			t.Fatalf("camera B's files: %v %v", segs, err)
		}
		if err := os.Truncate(filepath.Join(dir, string(camB), segs[0].Name()), 16); err != nil {
			t.Fatal(err)
		}
		r := nvr.TimeRange{Start: base.Add(32 * time.Second), End: base.Add(40 * time.Second)}
		_, err = pb.OpenClip(ctx, gB, r)
		if nvr.ErrorKind(err) != nvr.KindNotFound || !errors.Is(err, ErrNoPlayableFootage) {
			t.Fatalf("a torn file: %v", err)
		}
	})
}

// clipStamps returns the camera IDs stamped (SEI) in the video samples of
// an fMP4 clip, one per stamped picture.
func clipStamps(t *testing.T, data []byte) []string {
	t.Helper()
	l, err := segment.Scan(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("scan clip: %v", err)
	}
	var ids []string
	for _, f := range l.Fragments {
		// Skip prft (if any) and moof to the mdat payload.
		for off := f.Offset; off < f.Offset+f.Length; {
			size := int64(binary.BigEndian.Uint32(data[off:]))
			if string(data[off+4:off+8]) == "mdat" {
				for p := data[off+8 : off+8+f.Tracks[0].DataSize]; len(p) >= 4; {
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
