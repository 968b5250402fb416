package events

import (
	"context"
	"encoding/base64"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// Listing limits.
const (
	DefaultEventLimit = 50
	MaxEventLimit     = 500
	// DefaultTriggerDuration is an external trigger's length when it names none.
	DefaultTriggerDuration = 5 * time.Second
	MaxTriggerDuration     = time.Hour
)

// Grant decides whether p may do action a on event id: it reads the
// event's camera, asks the policy about that camera, then reads the event
// again for that camera. A missing event, a denied one and one recorded
// before the camera joined the caller's household all answer ErrNotFound.
func (e *Events) Grant(ctx context.Context, p nvr.Principal, a nvr.Action, id nvr.EventID) (nvr.EventGrant, error) {
	if _, err := nvr.ParseEventID(string(id)); err != nil {
		return nvr.EventGrant{}, nvr.ErrNotFound
	}
	cam, err := e.cfg.Store.EventCamera(ctx, id)
	if err != nil {
		if nvr.ErrorKind(err) == nvr.KindNotFound {
			// Answer like the policy does for a camera that is not there:
			// authentication first, then the one "no".
			if _, serr := e.cfg.Policy.Self(ctx, p); serr != nil {
				return nvr.EventGrant{}, serr
			}
			return nvr.EventGrant{}, nvr.ErrNotFound
		}
		return nvr.EventGrant{}, nvr.Wrap("authorize event", err)
	}
	g, err := e.cfg.Policy.Camera(ctx, p, a, cam)
	if err != nil {
		return nvr.EventGrant{}, err
	}
	ev, err := e.cfg.Store.Event(ctx, g.CameraID(), id)
	if err != nil {
		if nvr.ErrorKind(err) == nvr.KindNotFound {
			return nvr.EventGrant{}, nvr.ErrNotFound
		}
		return nvr.EventGrant{}, nvr.Wrap("authorize event", err)
	}
	return e.cfg.Policy.Event(g, ev)
}

// EventFilter is a listing request.
type EventFilter struct {
	Camera     nvr.CameraID // "": every camera the principal may see recordings of
	Start, End time.Time
	Kind       nvr.EventKind
	Label      string // "": any; else exactly this label (a trigger's "doorbell")
	// Reviewed filters by the caller's own review marks.
	Reviewed nvr.ReviewFilter
	Limit    int    // 0: DefaultEventLimit; at most MaxEventLimit
	Cursor   string // from a previous page's Next
}

// EventPage is one page of a listing.
type EventPage struct {
	Events []nvr.Event
	Next   string // "" on the last page
}

// List returns events of the cameras p may see recordings of, newest
// first, each with p's user's review mark. A camera filter naming a camera
// p may not see answers ErrNotFound.
func (e *Events) List(ctx context.Context, p nvr.Principal, f EventFilter) (EventPage, error) {
	const op = "list events"
	if f.Limit == 0 {
		f.Limit = DefaultEventLimit
	}
	if f.Limit < 0 || f.Limit > MaxEventLimit {
		return EventPage{}, nvr.Errorf(op, nvr.KindInvalid, "limit must be 1 to %d", MaxEventLimit)
	}
	if !f.End.IsZero() && !f.End.After(f.Start) {
		return EventPage{}, nvr.Errorf(op, nvr.KindInvalid, "end must be after start")
	}
	if err := nvr.ValidateLabel(f.Label); err != nil {
		return EventPage{}, err
	}
	if f.Reviewed > nvr.ReviewOnlyUnmarked {
		return EventPage{}, nvr.Errorf(op, nvr.KindInvalid, "reviewed must be true or false")
	}
	// Marks are the caller's own: the principal's user, whom every grant
	// below is decided for.
	q := nvr.EventQuery{Start: f.Start, End: f.End, Kind: f.Kind, Label: f.Label, Reviewer: p.UserID, Reviewed: f.Reviewed, Limit: f.Limit + 1}
	if f.Cursor != "" {
		c, err := parseEventCursor(f.Cursor)
		if err != nil {
			return EventPage{}, err
		}
		q.After = c
	}
	var ids []nvr.CameraID
	if f.Camera != "" {
		ids = []nvr.CameraID{f.Camera}
	} else {
		vis, err := e.cfg.Policy.VisibleCameras(ctx, p, nvr.ActionViewCamera)
		if err != nil {
			return EventPage{}, err
		}
		for _, g := range vis {
			ids = append(ids, g.CameraID())
		}
	}
	for _, id := range ids {
		// Events are recordings: each camera's media grant, with its audit row.
		g, err := e.cfg.Policy.Camera(ctx, p, nvr.ActionViewRecordings, id)
		if err != nil {
			if nvr.ErrorKind(err) == nvr.KindNotFound && f.Camera == "" {
				continue
			}
			return EventPage{}, err
		}
		q.Cameras = append(q.Cameras, nvr.EventScope{CameraID: g.CameraID(), Since: g.Camera().HouseholdSince})
	}
	if len(q.Cameras) == 0 {
		return EventPage{Events: []nvr.Event{}}, nil
	}
	evs, err := e.cfg.Store.Events(ctx, q)
	if err != nil {
		return EventPage{}, nvr.Wrap(op, err)
	}
	page := EventPage{Events: evs}
	if len(evs) > f.Limit {
		page.Events = evs[:f.Limit]
		last := page.Events[f.Limit-1]
		page.Next = formatEventCursor(nvr.EventCursor{Start: last.Start, ID: last.ID})
	}
	return page, nil
}

// The cursor is opaque to clients; it only positions a listing that is
// filtered by the caller's grants anyway. It holds the last event's start
// and public ID: nothing in it counts other households' events. "e1."
// cursors held the row number and are refused as invalid.
const cursorPrefix = "e2."

func formatEventCursor(c nvr.EventCursor) string {
	raw := strconv.FormatInt(c.Start.UnixNano(), 10) + "." + string(c.ID)
	return cursorPrefix + base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func parseEventCursor(s string) (nvr.EventCursor, error) {
	bad := nvr.Errorf("parse cursor", nvr.KindInvalid, "cursor is not valid")
	rest, ok := strings.CutPrefix(s, cursorPrefix)
	if !ok || len(rest) > 96 {
		return nvr.EventCursor{}, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return nvr.EventCursor{}, bad
	}
	a, c, ok := strings.Cut(string(b), ".")
	if !ok {
		return nvr.EventCursor{}, bad
	}
	startNs, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := nvr.ParseEventID(c)
	if err1 != nil || err2 != nil || startNs <= 0 {
		return nvr.EventCursor{}, bad
	}
	return nvr.EventCursor{Start: time.Unix(0, startNs).UTC(), ID: id}, nil
}

// Thumbnail opens the thumbnail of the granted event; the caller closes
// the file. KindNotFound when it has none.
func (e *Events) Thumbnail(g nvr.EventGrant) (*os.File, string, error) {
	if err := g.Require(nvr.ActionViewRecordings); err != nil {
		return nil, "", err
	}
	return e.openThumbnail(g)
}

// ClipRange is the footage of the granted event: from its pre roll before
// the start to its post roll after the end of its activity.
func (e *Events) ClipRange(g nvr.EventGrant) (nvr.TimeRange, error) {
	if err := g.Require(nvr.ActionViewRecordings); err != nil {
		return nvr.TimeRange{}, err
	}
	ev, c := g.Event(), g.CameraGrant().Camera()
	end := ev.Until().Add(c.PostRoll)
	if !end.After(ev.Start) {
		end = ev.Start.Add(time.Second)
	}
	return nvr.TimeRange{Start: ev.Start.Add(-c.PreRoll), End: end}, nil
}

// Pin keeps (or stops keeping) the granted event and its footage from
// automatic deletion.
func (e *Events) Pin(ctx context.Context, g nvr.EventGrant, pinned bool) (nvr.Event, error) {
	if err := g.Require(nvr.ActionPinEvents); err != nil {
		return nvr.Event{}, err
	}
	ev := g.Event()
	if err := e.cfg.Store.SetEventPinned(ctx, ev.CameraID, ev.ID, pinned); err != nil {
		return nvr.Event{}, nvr.Wrap("pin event", err)
	}
	ev.Pinned = pinned
	return ev, nil
}

// Delete removes the granted event and its thumbnail (not its footage,
// which retention handles): mark, unlink, remove the row. A failure after
// the mark is finished by the sweep.
func (e *Events) Delete(ctx context.Context, g nvr.EventGrant) error {
	if err := g.Require(nvr.ActionDeleteEvents); err != nil {
		return err
	}
	ev := g.Event()
	if err := e.cfg.Store.MarkEventDeleting(ctx, ev.CameraID, ev.ID); err != nil {
		return nvr.Wrap("delete event", err)
	}
	e.forget(ev.CameraID, ev.ID)
	if err := e.removeThumbnails(ev.CameraID, ev.Seq); err != nil {
		e.cfg.Log.Warn("remove thumbnail", "event", string(ev.ID), "err", err)
		return nil
	}
	if err := e.cfg.Store.DeleteEvent(ctx, ev.ID); err != nil {
		e.cfg.Log.Warn("delete event row", "event", string(ev.ID), "err", err)
	}
	return nil
}

// Trigger records an external trigger on the granted camera lasting d
// (0: DefaultTriggerDuration): it opens a trigger event, or extends the
// open one. KindConflict when the camera's events are off.
func (e *Events) Trigger(ctx context.Context, g nvr.CameraGrant, label string, d time.Duration) (nvr.Event, error) {
	const op = "trigger event"
	if err := g.Require(nvr.ActionTriggerEvent); err != nil {
		return nvr.Event{}, err
	}
	if err := nvr.ValidateLabel(label); err != nil {
		return nvr.Event{}, err
	}
	if d == 0 {
		d = DefaultTriggerDuration
	}
	if d < 0 || d > MaxTriggerDuration {
		return nvr.Event{}, nvr.Errorf(op, nvr.KindInvalid, "duration must be 0 to %v", MaxTriggerDuration)
	}
	c := g.Camera()
	if c.Detection.NoEvents {
		return nvr.Event{}, nvr.Errorf(op, nvr.KindConflict, "events are off for this camera")
	}
	// The grant read the camera just now: while its privacy shutter
	// pauses recording, nothing of the scene is captured, not even a
	// trigger's thumbnail (it would be shown once the shutter opens).
	if c.Shutter.PausesRecordingAt(e.cfg.Now()) {
		return nvr.Event{}, nvr.Errorf(op, nvr.KindConflict, "the camera's privacy shutter is closed")
	}
	e.mu.Lock()
	if _, ok := e.cams[c.ID]; !ok {
		e.cams[c.ID] = c // not polled yet: the grant's fresh read will do
	}
	e.mu.Unlock()
	now := e.cfg.Now()
	ev, err := e.record(ctx, activity{cam: c.ID, kind: nvr.EventTrigger, label: label, at: now, until: now.Add(d), moving: true})
	if err != nil {
		return nvr.Event{}, err
	}
	if ev.ID == "" {
		return nvr.Event{}, nvr.Errorf(op, nvr.KindConflict, "events are off for this camera")
	}
	return ev, nil
}

// sweep removes expired events (older than their camera's event
// retention, unpinned) and finishes deletions: unlink the thumbnail, then
// remove the row. Thumbnail directories of cameras that are gone go once
// empty.
func (e *Events) sweep(ctx context.Context) {
	// Ages are measured like retention's: a forward clock step never makes
	// recent events look old (see nvr.RefClock).
	now, note := e.expiryClock.Observe(e.cfg.Now(), e.cfg.Elapsed())
	if note != "" {
		e.cfg.Log.Warn("event expiry clock", "note", note)
	}
	if n, err := e.cfg.Store.ExpireEvents(ctx, now); err != nil {
		if ctx.Err() == nil {
			e.cfg.Log.Warn("expire events", "err", err)
		}
	} else if n > 0 {
		e.cfg.Log.Info("events expired", "events", n)
	}
	for range 20 { // bounded: at most 20 batches per sweep
		evs, err := e.cfg.Store.DeletingEvents(ctx, 500)
		if err != nil || len(evs) == 0 {
			break
		}
		for _, ev := range evs {
			if err := e.removeThumbnails(ev.CameraID, ev.Seq); err != nil {
				e.cfg.Log.Warn("remove thumbnail", "event", string(ev.ID), "err", err)
				return
			}
			if err := e.cfg.Store.DeleteEvent(ctx, ev.ID); err != nil {
				return
			}
		}
	}
	e.removeGoneCameraDirs()
}

func (e *Events) removeGoneCameraDirs() {
	if e.cfg.DataDir == "" {
		return
	}
	dirs, err := os.ReadDir(ThumbnailsDir(e.cfg.DataDir))
	if err != nil {
		return
	}
	e.mu.Lock()
	cams := e.cams
	e.mu.Unlock()
	for _, d := range dirs {
		id, err := nvr.ParseCameraID(d.Name())
		if err != nil || !d.IsDir() {
			continue
		}
		if _, ok := cams[id]; !ok {
			_ = os.Remove(ThumbnailsDir(e.cfg.DataDir) + string(os.PathSeparator) + d.Name()) // only when empty
		}
	}
}

// PinnedRanges implements PinSource: the footage of pinned events.
func (e *Events) PinnedRanges(ctx context.Context, cam nvr.CameraID) ([]nvr.TimeRange, error) {
	return e.cfg.Store.PinnedRanges(ctx, cam)
}
