package nvr

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// EventID is an event's public name: 128 random bits as 32 lowercase hex
// characters, assigned by the store at creation and never changed. It is
// the only name of an event in a URL, an answer or a cursor; the store's
// row number stays inside the store (Event.Seq), since it counts every
// household's events.
type EventID string

// NewEventID returns a fresh random event ID.
func NewEventID() EventID { return EventID(randomID()) }

// ParseEventID validates s as an event ID; anything else names nothing.
func ParseEventID(s string) (EventID, error) {
	if !isRandomID(s) {
		return "", ErrNotFound
	}
	return EventID(s), nil
}

// EventKind says what made an event.
type EventKind string

// Event kinds.
const (
	EventMotion  EventKind = "motion"  // a motion detector
	EventTrigger EventKind = "trigger" // an external trigger (doorbell, automation)
	// Camera health, measured by nvr/notify's health watcher: no frames
	// for the grace period (from the last frame until frames return), and
	// frames arriving while nothing is indexed.
	EventOffline EventKind = "offline"
	EventStalled EventKind = "stalled"
)

// ParseEventKind validates a kind name.
func ParseEventKind(s string) (EventKind, error) {
	switch EventKind(s) {
	case EventMotion, EventTrigger, EventOffline, EventStalled:
		return EventKind(s), nil
	}
	return "", Errorf("parse event kind", KindInvalid, "kind must be motion, trigger, offline or stalled")
}

// Thumbnail content types.
const (
	ThumbJPEG = "image/jpeg"
	ThumbMP4  = "video/mp4" // one keyframe as an MP4, when ffmpeg is missing
)

// Event is something that happened in front of one camera: from Start to
// End (zero while open), made by motion or a trigger. Times are wall time.
type Event struct {
	ID EventID
	// Seq is the store's internal row number. It names the thumbnail file
	// on disk and nothing else: it counts every household's events, so it
	// never goes into a URL, an answer or a log a client sees.
	Seq      int64
	CameraID CameraID
	Kind     EventKind
	Label    string
	Start    time.Time
	// Last is the end of the activity seen so far; an open event left by a
	// crash is closed at Last.
	Last      time.Time
	End       time.Time // zero while the event is open
	Score     float64
	Zones     []string
	Pinned    bool
	ThumbType string // "" (none yet), ThumbJPEG or ThumbMP4
	CreatedAt time.Time
	// Reviewed is the review mark of the user a listing was read for
	// (EventQuery.Reviewer); marks are per user, so it is false in every
	// read that names no user.
	Reviewed bool
}

// Open reports whether the event is still in progress.
func (e Event) Open() bool { return e.End.IsZero() }

// Until returns the end of the event's activity: End, or Last while open.
func (e Event) Until() time.Time {
	if e.End.IsZero() {
		return e.Last
	}
	return e.End
}

// MaxLabelLen bounds event labels and zone names, in characters.
const MaxLabelLen = 64

// ValidateLabel checks an event label: at most MaxLabelLen characters of
// valid UTF-8, no control characters (newlines included). Anything else
// is plain data: labels never reach a shell or a file name.
func ValidateLabel(s string) error {
	bad := Errorf("validate label", KindInvalid, "label must be at most %d printable characters", MaxLabelLen)
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxLabelLen || strings.TrimSpace(s) != s {
		return bad
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return bad
		}
	}
	return nil
}

// EventScope is one camera a listing may read, from Since on (the time the
// camera joined the caller's household).
type EventScope struct {
	CameraID CameraID
	Since    time.Time
}

// EventQuery selects events for a listing. Cameras must not be empty.
type EventQuery struct {
	Cameras    []EventScope
	Start, End time.Time // events overlapping [Start, End); zero: unbounded
	Kind       EventKind // "": all kinds
	Label      string    // "": any label; else exactly this label
	// Reviewer is the user whose review marks the listing reads into
	// Event.Reviewed and filters by; 0 reads none (and Reviewed must be
	// ReviewAny).
	Reviewer UserID
	Reviewed ReviewFilter
	Limit    int
	// After continues a listing: events strictly before this position in
	// the order (start descending, then public ID descending). Zero: from
	// the newest.
	After EventCursor
}

// ReviewFilter selects events by the listing user's review marks.
type ReviewFilter uint8

// Review filters.
const (
	ReviewAny          ReviewFilter = iota // reviewed or not
	ReviewOnlyMarked                       // only events the user marked reviewed
	ReviewOnlyUnmarked                     // only events the user has not marked
)

// EventCursor is a position in a listing.
type EventCursor struct {
	Start time.Time
	ID    EventID
}

// EventStore is the part of the database that holds events. Methods return
// *Error values with KindNotFound for missing rows. Events being deleted
// (MarkEventDeleting) are invisible to every read but DeletingEvents.
// Implementations are safe for concurrent use.
type EventStore interface {
	// CreateEvent stores a new open event (End zero) and returns it with
	// its ID. KindNotFound if the camera does not exist.
	CreateEvent(ctx context.Context, e Event) (Event, error)
	// ExtendEvent records activity until last, a higher score and zones
	// hit (added to the stored ones) on an open event.
	ExtendEvent(ctx context.Context, id EventID, last time.Time, score float64, zones []string) error
	// CloseEvent sets an open event's end.
	CloseEvent(ctx context.Context, id EventID, end time.Time) error
	// RepairOpenEvents closes every open event but those in keep, and
	// cameras' outages (offline, the health watcher's), at its
	// Last (after a crash) and returns how many it closed. keep names the
	// events the calling process has opened itself and still holds open.
	RepairOpenEvents(ctx context.Context, keep ...EventID) (int, error)
	// SetEventThumbnail records that the event's thumbnail file exists.
	SetEventThumbnail(ctx context.Context, id EventID, contentType string) error
	// EventCamera returns the camera an event belongs to; KindNotFound if
	// there is no such (visible) event.
	EventCamera(ctx context.Context, id EventID) (CameraID, error)
	// Event returns the event id of camera cam; KindNotFound when it does
	// not exist or belongs to another camera.
	Event(ctx context.Context, cam CameraID, id EventID) (Event, error)
	// Events lists events in the query's order.
	Events(ctx context.Context, q EventQuery) ([]Event, error)
	// SetEventPinned pins or unpins an event of camera cam.
	SetEventPinned(ctx context.Context, cam CameraID, id EventID, pinned bool) error
	// MarkEventDeleting is deletion's first step: the event disappears from
	// every read. KindNotFound if it is not an event of cam.
	MarkEventDeleting(ctx context.Context, cam CameraID, id EventID) error
	// ExpiredEvents marks deleting the closed, unpinned events whose end
	// is older than their camera's event retention at now, and returns
	// how many it marked.
	ExpireEvents(ctx context.Context, now time.Time) (int, error)
	// DeletingEvents lists up to limit events marked deleting.
	DeletingEvents(ctx context.Context, limit int) ([]Event, error)
	// DeleteEvent removes an event's row once its thumbnail is gone.
	DeleteEvent(ctx context.Context, id EventID) error
	// PinnedRanges returns the footage pinned events of cam keep: from
	// each pinned event's start minus the camera's pre roll to its end
	// (Last while open) plus its post roll. It implements PinSource.
	PinnedRanges(ctx context.Context, cam CameraID) ([]TimeRange, error)
}

// EventGrant allows one action on one event: the policy's camera grant for
// the event's camera, and the event as read for it. Only this package can
// make a non-zero one (Events.Grant).
type EventGrant struct {
	camera CameraGrant
	event  Event
}

// Event returns the event as read under the grant.
func (g EventGrant) Event() Event { return g.event }

// CameraGrant returns the grant for the event's camera.
func (g EventGrant) CameraGrant() CameraGrant { return g.camera }

// Require is CameraGrant.Require, and also fails for a zero event.
func (g EventGrant) Require(actions ...Action) error {
	if g.event.ID == "" || g.event.CameraID != g.camera.CameraID() {
		return ErrNotFound
	}
	return g.camera.Require(actions...)
}
