package events

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/media"
)

// Thumbnails live at <data>/thumbnails/<camera-id>/<event-id>.<ext>. The
// path is computed from an event row (its camera, its ID, its stored
// content type), never from a name or a cache key.

// thumbMinInterval spaces the thumbnails of one event: a better score
// replaces the thumbnail at most this often.
const thumbMinInterval = 2 * time.Second

// thumbMaxBytes bounds one thumbnail.
const thumbMaxBytes = 8 << 20

type thumbJob struct {
	cam nvr.CameraID
	id  nvr.EventID
	seq int64 // names the file
	key *media.Unit
}

// ThumbnailsDir returns the thumbnails directory of a data directory.
func ThumbnailsDir(dataDir string) string { return filepath.Join(dataDir, "thumbnails") }

func thumbExt(contentType string) string {
	switch contentType {
	case nvr.ThumbJPEG:
		return ".jpg"
	case nvr.ThumbMP4:
		return ".mp4"
	}
	return ""
}

// thumbPath is the file of the event with row number seq (Event.Seq) of
// camera cam in the given type. The file is named by the store's row
// number, not the public ID: files written before events had public IDs
// keep their names, and the name never reaches a client.
func (e *Events) thumbPath(cam nvr.CameraID, seq int64, contentType string) (string, bool) {
	ext := thumbExt(contentType)
	if _, err := nvr.ParseCameraID(string(cam)); err != nil || seq <= 0 || ext == "" {
		return "", false
	}
	return filepath.Join(ThumbnailsDir(e.cfg.DataDir), string(cam), strconv.FormatInt(seq, 10)+ext), true
}

// maybeThumbnailLocked queues a thumbnail of oe from the camera's latest
// keyframe when it has none yet or the score beat the last one's.
func (e *Events) maybeThumbnailLocked(cam nvr.CameraID, oe *openEvent, score float64) {
	if e.cfg.Thumbnailer == nil || e.cfg.hubs == nil || e.cfg.DataDir == "" {
		return
	}
	now := e.cfg.Now()
	// No picture is taken while a closed privacy shutter pauses recording:
	// it would be shown once the shutter opens.
	if e.cams[cam].Shutter.PausesRecordingAt(now) {
		return
	}
	if oe.thumbAt >= 0 && (score <= oe.thumbAt || now.Sub(oe.thumbTime) < thumbMinInterval) {
		return
	}
	h := e.cfg.hubs.EventHub(cam)
	if h == nil {
		return
	}
	key := h.Keyframe()
	// The keyframe must carry this camera's own ID: a hub is found by ID,
	// and the unit proves it again before it becomes this event's picture.
	if key == nil || key.Info == nil || key.CameraID() != string(cam) {
		return
	}
	select {
	case e.thumbs <- thumbJob{cam: cam, id: oe.ev.ID, seq: oe.ev.Seq, key: key}:
		oe.thumbAt, oe.thumbTime = score, now
	default:
		e.cfg.Log.Warn("thumbnail queue full", "camera", string(cam), "event", string(oe.ev.ID))
	}
}

func (e *Events) thumbWorker(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-e.thumbs:
			if err := e.writeThumbnail(ctx, j); err != nil && ctx.Err() == nil {
				e.cfg.Log.Warn("write thumbnail", "camera", string(j.cam), "event", string(j.id), "err", err)
			}
		}
	}
}

// writeThumbnail makes and stores one thumbnail with the storage
// procedure: a new temporary file (O_EXCL), fsync, rename into place,
// fsync the directory, then the row. A row that is gone meanwhile takes
// the file with it.
func (e *Events) writeThumbnail(ctx context.Context, j thumbJob) error {
	if j.key.CameraID() != string(j.cam) {
		return fmt.Errorf("keyframe of another camera")
	}
	data, ct, err := e.cfg.Thumbnailer.Thumbnail(ctx, j.key)
	if err != nil {
		return err
	}
	if len(data) == 0 || len(data) > thumbMaxBytes {
		return fmt.Errorf("thumbnail of %d bytes", len(data))
	}
	path, ok := e.thumbPath(j.cam, j.seq, ct)
	if !ok {
		return fmt.Errorf("thumbnail type %q", ct)
	}
	if err := writeFileDurably(path, data); err != nil {
		return err
	}
	if err := e.cfg.Store.SetEventThumbnail(ctx, j.id, ct); err != nil {
		if nvr.ErrorKind(err) == nvr.KindNotFound {
			_ = os.Remove(path)
		}
		return err
	}
	// A thumbnail of the other type from an earlier attempt is stale.
	for _, other := range []string{nvr.ThumbJPEG, nvr.ThumbMP4} {
		if other != ct {
			if p, ok := e.thumbPath(j.cam, j.seq, other); ok {
				_ = os.Remove(p)
			}
		}
	}
	return nil
}

// writeFileDurably writes data at path so that after a crash either the
// old file or the whole new one is there.
func writeFileDurably(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	tmp := filepath.Join(dir, ".tmp-"+filepath.Base(path))
	_ = os.Remove(tmp) // a leftover of a crash
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		_ = os.Remove(tmp)
		return werr
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// removeThumbnails unlinks every thumbnail file the event with row number
// seq of cam may have.
func (e *Events) removeThumbnails(cam nvr.CameraID, seq int64) error {
	for _, ct := range []string{nvr.ThumbJPEG, nvr.ThumbMP4} {
		p, ok := e.thumbPath(cam, seq, ct)
		if !ok {
			continue
		}
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

// removeTempThumbnails removes temporary files a crash left behind.
func (e *Events) removeTempThumbnails() {
	if e.cfg.DataDir == "" {
		return
	}
	root := ThumbnailsDir(e.cfg.DataDir)
	dirs, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, d := range dirs {
		if _, err := nvr.ParseCameraID(d.Name()); err != nil || !d.IsDir() {
			continue
		}
		files, err := os.ReadDir(filepath.Join(root, d.Name()))
		if err != nil {
			continue
		}
		for _, f := range files {
			if strings.HasPrefix(f.Name(), ".tmp-") {
				_ = os.Remove(filepath.Join(root, d.Name(), f.Name()))
			}
		}
	}
}

// openThumbnail opens the thumbnail of the event read under g.
func (e *Events) openThumbnail(g nvr.EventGrant) (*os.File, string, error) {
	const op = "thumbnail"
	ev := g.Event()
	path, ok := e.thumbPath(ev.CameraID, ev.Seq, ev.ThumbType)
	if !ok {
		return nil, "", nvr.Errorf(op, nvr.KindNotFound, "this event has no thumbnail")
	}
	rel, err := filepath.Rel(ThumbnailsDir(e.cfg.DataDir), path)
	if err != nil {
		return nil, "", nvr.Errorf(op, nvr.KindNotFound, "this event has no thumbnail")
	}
	f, err := nvr.OpenConfined(ThumbnailsDir(e.cfg.DataDir), filepath.ToSlash(rel))
	if err != nil {
		return nil, "", nvr.Errorf(op, nvr.KindNotFound, "this event has no thumbnail")
	}
	return f, ev.ThumbType, nil
}
