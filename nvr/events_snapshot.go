package nvr

import (
	"context"
	"time"
)

// A snapshot is the camera's current picture, made on request from the
// latest keyframe of its detection hub, so that it shows exactly the
// picture zones are drawn on (normalized coordinates of that stream).

// snapshotTimeout bounds one snapshot (one ffmpeg run).
const snapshotTimeout = 10 * time.Second

// maxSnapshots bounds snapshots made at once across all cameras: each may
// run an ffmpeg, and the button behind it can be pressed repeatedly.
const maxSnapshots = 2

// Snapshot returns the granted camera's current picture (JPEG, or a
// one-frame MP4 without ffmpeg) with its content type. KindUnavailable
// when the camera is not streaming, no thumbnailer is configured, or too
// many snapshots are being made; the grant needs ActionViewLive.
func (e *Events) Snapshot(ctx context.Context, g CameraGrant) ([]byte, string, error) {
	const op = "snapshot"
	if err := g.Require(ActionViewLive); err != nil {
		return nil, "", err
	}
	if e == nil || e.cfg.Thumbnailer == nil || e.cfg.hubs == nil {
		return nil, "", Errorf(op, KindUnavailable, "no camera pictures on this server")
	}
	id := g.CameraID()
	h := e.cfg.hubs.EventHub(id)
	if h == nil {
		return nil, "", Errorf(op, KindUnavailable, "the camera is not streaming")
	}
	key := h.Keyframe()
	// The keyframe proves its camera, as for event thumbnails.
	if key == nil || key.Info == nil || key.CameraID() != string(id) {
		return nil, "", Errorf(op, KindUnavailable, "no picture from the camera yet")
	}
	select {
	case e.snapshots <- struct{}{}:
		defer func() { <-e.snapshots }()
	default:
		return nil, "", Errorf(op, KindUnavailable, "too many pictures requested at once; try again")
	}
	ctx, cancel := context.WithTimeout(ctx, snapshotTimeout)
	defer cancel()
	data, ct, err := e.cfg.Thumbnailer.Thumbnail(ctx, key)
	if err != nil {
		// The client gets a plain message; the cause is for the log.
		e.cfg.Log.Warn("camera snapshot", "camera", string(id), "err", err)
		return nil, "", Errorf(op, KindUnavailable, "could not make a picture")
	}
	if len(data) == 0 || len(data) > thumbMaxBytes || thumbExt(ct) == "" {
		return nil, "", Errorf(op, KindUnavailable, "could not make a picture")
	}
	return data, ct, nil
}
