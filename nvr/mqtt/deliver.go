package mqtt

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/hearthnvr/hearth/nvr"
)

// event publishes an event's start or end, decided now: the camera must be
// one the integration's principal may see at this moment, in its
// household. A closed event's thumbnail is read through an event grant
// (view-recordings, audited like any media access) and published retained.
func (w *worker) event(ctx context.Context, c paho.Client, n notice) {
	p := w.in.Principal()
	g, err := w.deps.Policy.Camera(ctx, p, nvr.ActionViewCamera, n.ev.CameraID)
	if err != nil || !w.in.Holds(g) {
		return // not this integration's to tell, now
	}
	if _, announced := w.announced[g.CameraID()]; !announced {
		// Visible since the last pass: announce it before telling about it.
		w.pass(ctx, c)
	}
	id := g.CameraID()
	ev := n.ev
	pl := eventPayload{Type: "start", ID: string(ev.ID), Camera: string(id), Kind: string(ev.Kind), Label: ev.Label,
		Start: ev.Start.UTC().Format(time.RFC3339Nano), Score: ev.Score}
	if n.closed {
		pl.Type, pl.End = "end", ev.End.UTC().Format(time.RFC3339Nano)
	}
	b, _ := json.Marshal(pl) // strings and a number: cannot fail
	_ = w.publish(ctx, c, w.t.camera(id, leafEvent), b, false)
	w.retain(ctx, c, w.t.camera(id, leafMotion), onOff(w.stillOpen(id, ev, n.closed)))
	if n.closed {
		w.thumbnail(ctx, c, ev)
	}
}

// stillOpen records ev as started or ended and reports whether any event
// of the camera is still open: Home Assistant's motion sensor is ON while
// one is, not only until the next one ends.
func (w *worker) stillOpen(cam nvr.CameraID, ev nvr.Event, closed bool) bool {
	open := w.open[cam]
	if open == nil {
		open = map[nvr.EventID]time.Time{}
		w.open[cam] = open
	}
	if closed {
		delete(open, ev.ID)
	} else {
		open[ev.ID] = ev.Start
	}
	for id, start := range open {
		if ev.Start.Sub(start) > staleOpenEvent {
			delete(open, id) // its end was never told
		}
	}
	if len(open) == 0 {
		delete(w.open, cam)
		return false
	}
	return true
}

// thumbnail publishes the event's JPEG, if it has one, retained.
func (w *worker) thumbnail(ctx context.Context, c paho.Client, ev nvr.Event) {
	eg, err := w.deps.Events.Grant(ctx, w.in.Principal(), nvr.ActionViewRecordings, ev.ID)
	if err != nil {
		return // not granted now (or gone): nothing leaves
	}
	f, ctype, err := w.deps.Events.Thumbnail(eg)
	if err != nil {
		if nvr.ErrorKind(err) != nvr.KindNotFound {
			w.log.Warn("mqtt thumbnail", "event", string(ev.ID), "err", err)
		}
		return
	}
	defer f.Close()
	if ctype != nvr.ThumbJPEG {
		return // Home Assistant's MQTT camera shows pictures only
	}
	b, err := io.ReadAll(io.LimitReader(f, maxThumbnail+1))
	if err != nil || len(b) > maxThumbnail {
		w.log.Warn("mqtt thumbnail unreadable or too large", "event", string(ev.ID))
		return
	}
	_ = w.publish(ctx, c, w.t.camera(eg.CameraGrant().CameraID(), leafThumbnail), b, true)
}

// command carries out a command if the policy allows it now for the
// integration's principal. Refusals are logged with the integration, the
// camera ID and the action; never a payload's secret (there is none to
// log: payloads are ON/OFF or a label, and the broker password is not in
// reach here).
func (w *worker) command(ctx context.Context, c paho.Client, cmd command) {
	p := w.in.Principal()
	action := nvr.ActionManageCamera
	switch cmd.leaf {
	case leafTrigger:
		action = nvr.ActionTriggerEvent
	case leafPrivacySet:
		action = nvr.ActionSwitchShutter
	}
	g, err := w.deps.Policy.Camera(ctx, p, action, cmd.cam)
	if err == nil && !w.in.Holds(g) {
		err = nvr.ErrNotFound
	}
	if err != nil {
		w.log.Warn("mqtt command refused", "camera", string(cmd.cam), "action", action.String(), "err", nvr.ErrorMessage(err))
		return
	}
	switch cmd.leaf {
	case leafTrigger:
		label := strings.TrimSpace(cmd.payload)
		if _, err := w.deps.Events.Trigger(ctx, g, label, 0); err != nil {
			w.log.Warn("mqtt trigger failed", "camera", string(cmd.cam), "err", nvr.ErrorMessage(err))
		}
	case leafPrivacySet:
		w.switchShutter(ctx, c, g, cmd.payload)
	case leafRecordSet:
		var mode nvr.RecordMode
		switch strings.ToUpper(strings.TrimSpace(cmd.payload)) {
		case "ON":
			if g.Camera().RecordMode != nvr.RecordOff {
				return // already recording in its mode (continuous or events)
			}
			// Back to what the household had chosen: an events-only
			// camera switched off and on stays events only.
			mode = g.Camera().ResumeRecordMode
			if mode == "" || mode == nvr.RecordOff {
				mode = nvr.RecordContinuous
			}
		case "OFF":
			mode = nvr.RecordOff
		default:
			w.log.Warn("mqtt command refused: recording/set wants ON or OFF", "camera", string(cmd.cam))
			return
		}
		cam, err := w.deps.Cameras.ConfigureCamera(ctx, g, nvr.CameraChanges{RecordMode: &mode})
		if err != nil {
			w.log.Warn("mqtt recording switch failed", "camera", string(cmd.cam), "err", nvr.ErrorMessage(err))
			return
		}
		w.retain(ctx, c, w.t.camera(cam.ID, leafRecording), onOff(cam.RecordMode != nvr.RecordOff))
		w.log.Info("mqtt recording switched", "camera", string(cam.ID), "mode", string(cam.RecordMode))
	}
}

// switchShutter closes (ON) or opens (OFF) the granted camera's privacy
// shutter by hand, audited as the integration's principal. An open the
// schedule overrules is refused by the directory (KindConflict) and the
// switch shows the state that holds, closed, at once.
func (w *worker) switchShutter(ctx context.Context, c paho.Client, g nvr.CameraGrant, payload string) {
	var closed bool
	switch strings.ToUpper(strings.TrimSpace(payload)) {
	case "ON":
		closed = true
	case "OFF":
	default:
		w.log.Warn("mqtt command refused: privacy/set wants ON or OFF", "camera", string(g.CameraID()))
		return
	}
	sh, err := w.deps.Cameras.SwitchShutter(ctx, g, nvr.ShutterChange{Closed: &closed})
	if err != nil {
		w.log.Warn("mqtt privacy shutter switch failed", "camera", string(g.CameraID()), "err", nvr.ErrorMessage(err))
		if cur, err := w.deps.Policy.Camera(ctx, w.in.Principal(), nvr.ActionViewCamera, g.CameraID()); err == nil && w.in.Holds(cur) {
			delete(w.sent, w.t.camera(g.CameraID(), leafPrivacy)) // Home Assistant shows its own guess: say it again
			w.retain(ctx, c, w.t.camera(g.CameraID(), leafPrivacy), onOff(cur.Camera().Shutter.ClosedAt(w.cfg.Now())))
		}
		return
	}
	w.retain(ctx, c, w.t.camera(g.CameraID(), leafPrivacy), onOff(sh.ClosedAt(w.cfg.Now())))
	w.log.Info("mqtt privacy shutter switched", "camera", string(g.CameraID()), "closed", sh.ClosedAt(w.cfg.Now()))
}
