package events

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/hub"
)

// detectorKey is what a running detector depends on.
type detectorKey struct {
	detection     string // settings, flattened
	main, sub     string
	enabled, want bool
}

// keyOf is c's key at now: a closed privacy shutter that pauses
// recording stops detection too (nothing of the scene is analysed while
// the household asked for privacy), and the next reconcile after it opens
// starts it again.
func keyOf(c nvr.Camera, now time.Time) detectorKey {
	d := c.Detection.WithDefaults()
	return detectorKey{
		detection: string(d.Detector) + "|" + strconv.Itoa(d.Sensitivity) + "|" + d.Zones + "|" + string(d.Source),
		main:      c.MainURL, sub: c.SubURL, enabled: c.Enabled,
		want: c.Enabled && !d.NoEvents && d.Detector != nvr.DetectorOff && d.Source.UsesHearth() && !c.Shutter.PausesRecordingAt(now),
	}
}

// reconcileDetectors keeps one detector goroutine per camera that wants
// one, restarting it when its settings or streams change.
func (e *Events) reconcileDetectors(ctx context.Context, cams map[nvr.CameraID]nvr.Camera) {
	if e.cfg.Detectors == nil || e.cfg.hubs == nil {
		return
	}
	now := e.cfg.Now()
	e.detectors.reconcile(ctx, cams, func(c nvr.Camera) (detectorKey, bool) {
		k := keyOf(c, now)
		return k, k.want
	}, e.detect)
}

// detect runs camera c's detector on its detection hub until ctx ends,
// restarting it after a pause when it fails or the stream restarts.
func (e *Events) detect(ctx context.Context, c nvr.Camera) {
	log := e.cfg.Log.With("camera", string(c.ID))
	det, err := e.cfg.Detectors(c)
	if err != nil {
		log.Warn("no motion detector", "err", err)
		return
	}
	if det == nil {
		return
	}
	for ctx.Err() == nil {
		if h := e.cfg.hubs.EventHub(c.ID); h != nil {
			e.detectOnce(ctx, c, h, det, log)
		}
		t := time.NewTimer(e.cfg.Pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

func (e *Events) detectOnce(ctx context.Context, c nvr.Camera, h *hub.Hub, det Detector, log interface {
	Warn(string, ...any)
}) {
	if h.CameraID() != string(c.ID) {
		return // never analyse another camera's stream
	}
	sub := h.Subscribe(hub.SubscribeOptions{QueueUnits: detectQueueUnits, Start: hub.StartNextKeyframe, Overflow: hub.DropBacklog})
	defer sub.Close()
	err := det.Run(ctx, sub, func(a Activity) {
		act := activity{cam: c.ID, kind: nvr.EventMotion, at: a.Wall, until: a.Wall, score: a.Score, zones: a.Zones, moving: a.Moving, stop: !a.Moving}
		if _, err := e.record(ctx, act); err != nil && ctx.Err() == nil {
			log.Warn("record motion", "err", err)
		}
	})
	if err != nil && ctx.Err() == nil && !errors.Is(err, hub.ErrClosed) {
		log.Warn("motion detector stopped", "err", err)
	}
}
