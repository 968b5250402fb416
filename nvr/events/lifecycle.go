package events

import (
	"context"
	"slices"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// The life of an event: activity (a detector's Moving report or a
// trigger) opens one per camera and kind; more activity extends it; once
// no activity came for the camera's post roll (at least MergeGap), it is
// closed at the end of its last activity. So activity that resumes within
// the post roll merges into the open event instead of starting a new one,
// and the recording the event asks for (pre roll + event + post roll) is
// one piece. Endless activity is split every MaxDuration.

// activity is one report of something happening on camera cam from at to
// until (a trigger lasts a while; motion is a moment).
type activity struct {
	cam          nvr.CameraID
	kind         nvr.EventKind
	label        string
	at, until    time.Time
	score        float64
	zones        []string
	moving, stop bool
}

// record applies one activity report and returns the event it opened or
// extended (zero for a stop report or when events are off).
func (e *Events) record(ctx context.Context, a activity) (nvr.Event, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		return nvr.Event{}, nvr.Errorf("record event", nvr.KindUnavailable, "events are stopping")
	}
	cam := e.cams[a.cam]
	if cam.Detection.NoEvents {
		return nvr.Event{}, nil
	}
	byKind := e.open[a.cam]
	oe := byKind[a.kind]
	if a.stop {
		if oe != nil && a.at.After(oe.last) {
			oe.last = a.at
		}
		return nvr.Event{}, nil
	}
	if oe != nil && a.at.Sub(oe.ev.Start) >= e.cfg.MaxDuration {
		e.closeLocked(ctx, a.cam, a.kind, oe)
		oe, byKind = nil, e.open[a.cam] // closing may have dropped the camera's map
	}
	if oe == nil {
		ev, err := e.cfg.Store.CreateEvent(ctx, nvr.Event{CameraID: a.cam, Kind: a.kind, Label: a.label,
			Start: a.at, Last: a.until, Score: a.score, Zones: sortedZones(a.zones), CreatedAt: e.cfg.Now()})
		if err != nil {
			return nvr.Event{}, nvr.Wrap("open event", err)
		}
		oe = &openEvent{ev: ev, last: a.until, saved: a.until, zones: map[string]bool{}, thumbAt: -1}
		for _, z := range a.zones {
			oe.zones[z] = true
		}
		if byKind == nil {
			byKind = map[nvr.EventKind]*openEvent{}
			e.open[a.cam] = byKind
		}
		byKind[a.kind] = oe
		e.cfg.Log.Info("event opened", "camera", string(a.cam), "event", string(ev.ID), "kind", string(a.kind))
		if e.cfg.OnOpen != nil {
			e.cfg.OnOpen(ev)
		}
	} else {
		newZone := false
		for _, z := range a.zones {
			if !oe.zones[z] {
				oe.zones[z], newZone = true, true
			}
		}
		better := a.score > oe.ev.Score
		if better {
			oe.ev.Score = a.score
		}
		if a.until.After(oe.last) {
			oe.last = a.until
		}
		if newZone || better || oe.last.Sub(oe.saved) >= eventPersistEvery {
			if err := e.cfg.Store.ExtendEvent(ctx, oe.ev.ID, oe.last, oe.ev.Score, sortedKeys(oe.zones)); err != nil {
				if nvr.ErrorKind(err) == nvr.KindNotFound { // deleted while open
					delete(byKind, a.kind)
				}
				return nvr.Event{}, nvr.Wrap("extend event", err)
			}
			oe.saved = oe.last
		}
	}
	oe.ev.Last, oe.ev.Zones = oe.last, sortedKeys(oe.zones)
	if e.cfg.Recorder != nil {
		e.cfg.Recorder.Trigger(a.cam, oe.last)
	}
	e.maybeThumbnailLocked(a.cam, oe, a.score)
	return oe.ev, nil
}

// window is how long an event stays open after its last activity.
func (e *Events) window(cam nvr.CameraID) time.Duration {
	return max(e.cams[cam].PostRoll, e.cfg.MergeGap)
}

// closeExpired closes the events whose activity ended a window ago.
func (e *Events) closeExpired(ctx context.Context, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for cam, byKind := range e.open {
		w := e.window(cam)
		for kind, oe := range byKind {
			if now.Sub(oe.last) > w {
				e.closeLocked(ctx, cam, kind, oe)
			}
		}
	}
}

// closeLocked closes oe at the end of its activity and forgets it.
func (e *Events) closeLocked(ctx context.Context, cam nvr.CameraID, kind nvr.EventKind, oe *openEvent) {
	delete(e.open[cam], kind)
	if len(e.open[cam]) == 0 {
		delete(e.open, cam)
	}
	if oe.last.After(oe.saved) {
		if err := e.cfg.Store.ExtendEvent(ctx, oe.ev.ID, oe.last, oe.ev.Score, sortedKeys(oe.zones)); err != nil && nvr.ErrorKind(err) != nvr.KindNotFound {
			e.cfg.Log.Warn("extend event", "event", string(oe.ev.ID), "err", err)
		}
	}
	if err := e.cfg.Store.CloseEvent(ctx, oe.ev.ID, oe.last); err != nil && nvr.ErrorKind(err) != nvr.KindNotFound {
		// The row stays open; RepairOpenEvents closes it at its Last.
		e.cfg.Log.Warn("close event", "event", string(oe.ev.ID), "err", err)
		return
	}
	e.cfg.Log.Info("event closed", "camera", string(cam), "event", string(oe.ev.ID),
		"duration", oe.last.Sub(oe.ev.Start).Round(time.Millisecond))
	if e.cfg.OnClose != nil {
		ev := oe.ev
		ev.Last, ev.End, ev.Zones = oe.last, oe.last, sortedKeys(oe.zones)
		e.cfg.OnClose(ev)
	}
}

// closeCamera closes every open event of cam.
func (e *Events) closeCamera(ctx context.Context, cam nvr.CameraID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for kind, oe := range e.open[cam] {
		e.closeLocked(ctx, cam, kind, oe)
	}
}

// closeAll closes every open event, on shutdown, without waiting for the
// post roll: the context may be done, so it writes with a fresh one.
func (e *Events) closeAll() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stopped = true
	for cam, byKind := range e.open {
		for kind, oe := range byKind {
			e.closeLocked(ctx, cam, kind, oe)
		}
	}
}

// forget drops an open event that was deleted.
func (e *Events) forget(cam nvr.CameraID, id nvr.EventID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for kind, oe := range e.open[cam] {
		if oe.ev.ID == id {
			delete(e.open[cam], kind)
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sortedZones(zs []string) []string {
	out := slices.Clone(zs)
	slices.Sort(out)
	return slices.Compact(out)
}
