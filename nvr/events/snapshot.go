package events

import (
	"context"
	"time"

	"github.com/hearthnvr/hearth/nvr"
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
func (e *Events) Snapshot(ctx context.Context, g nvr.CameraGrant) ([]byte, string, error) {
	const op = "snapshot"
	if err := g.Require(nvr.ActionViewLive); err != nil {
		return nil, "", err
	}
	if e == nil || e.cfg.Thumbnailer == nil || e.cfg.hubs == nil {
		return nil, "", nvr.Errorf(op, nvr.KindUnavailable, "no camera pictures on this server")
	}
	id := g.CameraID()
	h := e.cfg.hubs.EventHub(id)
	if h == nil {
		return nil, "", nvr.Errorf(op, nvr.KindUnavailable, "the camera is not streaming")
	}
	key := h.Keyframe()
	// The keyframe proves its camera, as for event thumbnails.
	if key == nil || key.Info == nil || key.CameraID() != string(id) {
		return nil, "", nvr.Errorf(op, nvr.KindUnavailable, "no picture from the camera yet")
	}
	select {
	case e.snapshots <- struct{}{}:
		defer func() { <-e.snapshots }()
	default:
		return nil, "", nvr.Errorf(op, nvr.KindUnavailable, "too many pictures requested at once; try again")
	}
	ctx, cancel := context.WithTimeout(ctx, snapshotTimeout)
	defer cancel()
	data, ct, err := e.cfg.Thumbnailer.Thumbnail(ctx, key)
	if err != nil {
		// The client gets a plain message; the cause is for the log.
		e.cfg.Log.Warn("camera snapshot", "camera", string(id), "err", err)
		return nil, "", nvr.Errorf(op, nvr.KindUnavailable, "could not make a picture")
	}
	if len(data) == 0 || len(data) > thumbMaxBytes || thumbExt(ct) == "" {
		return nil, "", nvr.Errorf(op, nvr.KindUnavailable, "could not make a picture")
	}
	return data, ct, nil
}
