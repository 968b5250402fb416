package nvr

import (
	"context"

	"strings"
	"time"
)

// ViewingStore is the part of the database the viewing log reads: the
// audit log (which every live and playback session, every grant of media,
// every share link use and every change writes to) and the accounts it
// names. Reads committed state; never caches. Safe for concurrent use.
type ViewingStore interface {
	// CameraAudit returns the audit rows of cams, newest first, at most
	// limit.
	CameraAudit(ctx context.Context, cams []CameraID, limit int) ([]AuditEntry, error)
	// HouseholdCameras lists household h's cameras (PolicyStore's).
	HouseholdCameras(ctx context.Context, h HouseholdID, assignedTo UserID) ([]Camera, error)
	// Users lists the accounts of household h; h == 0: every account.
	Users(ctx context.Context, h HouseholdID) ([]User, error)
}

// Viewing is one line of a household's viewing log.
type Viewing struct {
	Start    time.Time
	End      time.Time // zero: still open, or a download (no end on record)
	Camera   CameraID
	CameraN  string
	Person   string // the account's name; for a link, its creator's
	PersonID string // the account's public ID, "" for none
	// What: "live", "recorded", "recordings opened" (a download or a
	// player's request), "share link (live)", "share link (recorded)",
	// "share link made", "share link revoked", "configuration" (a change
	// by the admin or the local operator).
	What   string
	Detail string // the session's carrier and why it ended, the change made
}

// Duration is how long the session lasted, or 0 when not on record.
func (v Viewing) Duration() time.Duration {
	if v.End.IsZero() {
		return 0
	}
	return v.End.Sub(v.Start)
}

// ViewingFilter narrows the log.
type ViewingFilter struct {
	Camera CameraID // "": every camera
	Person string   // an account's public ID; "": everyone
	Limit  int      // 0: DefaultViewingLimit
}

// Viewing log bounds.
const (
	DefaultViewingLimit = 200
	MaxViewingLimit     = 1000
	// viewingScan is how many audit rows one read looks through: the log
	// holds other rows too (denials, grants merged into their sessions).
	viewingScan = 5000
	// sessionJoin is how far from a session its requests' grants may be
	// (before its start, after its end) to be part of that viewing, and
	// how close repeated grants without a session are one viewing.
	sessionJoin = 10 * time.Second
)

// ViewingLog reads who watched which camera of a household, from the
// audit rows, decided row by row by decideViewingRow. Safe for concurrent
// use.
type ViewingLog struct {
	store ViewingStore
}

// NewViewingLog returns the viewing log over store.
func NewViewingLog(store ViewingStore) *ViewingLog { return &ViewingLog{store: store} }

// Read returns the viewings the holder of g may read, newest first.
// KindInvalid for a limit out of range.
func (vl *ViewingLog) Read(ctx context.Context, g UserGrant, f ViewingFilter) ([]Viewing, error) {
	const op = "read viewing log"
	if f.Limit == 0 {
		f.Limit = DefaultViewingLimit
	}
	if f.Limit < 0 || f.Limit > MaxViewingLimit {
		return nil, Errorf(op, KindInvalid, "limit must be 1 to %d", MaxViewingLimit)
	}
	u := g.subject.User
	if !g.Valid() || u.HouseholdID == 0 {
		return nil, nil
	}
	cams, err := vl.store.HouseholdCameras(ctx, u.HouseholdID, 0)
	if err != nil {
		return nil, Wrap(op, err)
	}
	byID := map[CameraID]Camera{}
	var ids []CameraID
	for _, c := range cams {
		if f.Camera != "" && c.ID != f.Camera {
			continue
		}
		byID[c.ID] = c
		ids = append(ids, c.ID)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	users, err := vl.store.Users(ctx, 0)
	if err != nil {
		return nil, Wrap(op, err)
	}
	people := map[UserID]User{}
	for _, x := range users {
		people[x.ID] = x
	}
	rows, err := vl.store.CameraAudit(ctx, ids, viewingScan)
	if err != nil {
		return nil, Wrap(op, err)
	}
	var kept []AuditEntry
	for _, e := range rows {
		if decideViewingRow(g.subject, byID[e.CameraID], e) {
			kept = append(kept, e)
		}
	}
	return viewingsOf(kept, byID, people, u.HouseholdID, f), nil
}

// viewingsOf turns decided rows (newest first) into viewings: a session's
// "ended" row is one viewing, with the grant that opened it folded in; a
// media grant with no session is a download or a session still open; a
// link's use is named as such; a change by someone from outside the
// household (the admin) or the CLI, and the admin's opening of a camera's
// settings, is configuration access.
func viewingsOf(rows []AuditEntry, cams map[CameraID]Camera, people map[UserID]User, h HouseholdID, f ViewingFilter) []Viewing {
	var out []Viewing
	// A session's requests (the page's timeline and still, the WebRTC
	// offer, its trickle and teardown) are grants of the same person and
	// camera around it: they are its one viewing, not rows of their own.
	// (Before, opening a camera's page once read as five viewings.)
	type who struct {
		principal string
		camera    CameraID
	}
	type span struct{ from, to time.Time }
	spans := map[who][]span{}
	for _, e := range rows {
		if e.Result == "ended" && (e.Action == ActionViewLive.String() || e.Action == ActionViewRecordings.String()) {
			start, end, _ := sessionTimes(e)
			k := who{e.Principal, e.CameraID}
			spans[k] = append(spans[k], span{start.Add(-sessionJoin), end.Add(sessionJoin)})
		}
	}
	inSession := func(e AuditEntry) bool {
		for _, s := range spans[who{e.Principal, e.CameraID}] {
			if !e.At.Before(s.from) && !e.At.After(s.to) {
				return true
			}
		}
		return false
	}
	// Grants without a session (a download, a still, a page left before
	// its picture came) that repeat within sessionJoin are one viewing.
	type grantSeen struct {
		what string
		at   time.Time
	}
	lastGrant := map[who]grantSeen{}
	for _, e := range rows {
		if len(out) >= f.Limit {
			break
		}
		person := people[e.UserID]
		if f.Person != "" && person.PublicID != f.Person {
			continue
		}
		v := Viewing{Start: e.At, Camera: e.CameraID, CameraN: cams[e.CameraID].Name, Person: person.Name, PersonID: person.PublicID}
		media := e.Action == ActionViewLive.String() || e.Action == ActionViewRecordings.String()
		switch {
		case media && e.Result == "ended":
			start, end, detail := sessionTimes(e)
			v.Start, v.End, v.Detail = start, end, detail
			v.What = "live"
			if e.Action == ActionViewRecordings.String() {
				v.What = "recorded"
			}
			if isLinkPrincipal(e.Principal) {
				v.What = "share link (" + v.What + ")"
			}
		case media && e.Result == "granted":
			if inSession(e) {
				continue // the session's own row says it all
			}
			v.What = "recordings opened"
			if e.Action == ActionViewLive.String() {
				v.What = "live (still open, or its end not logged)"
			}
			if isLinkPrincipal(e.Principal) {
				v.What = "share link (" + strings.TrimPrefix(e.Action, "view-") + ")"
				v.Detail = e.Detail
			}
			k := who{e.Principal, e.CameraID}
			if last, ok := lastGrant[k]; ok && last.what == v.What && last.at.Sub(e.At) <= sessionJoin {
				lastGrant[k] = grantSeen{v.What, e.At}
				continue // the same look, a request later (newest first)
			}
			lastGrant[k] = grantSeen{v.What, e.At}
		case e.Action == "create-share-link" || e.Action == "revoke-share-link":
			v.What = "share link made"
			if e.Action == "revoke-share-link" {
				v.What = "share link revoked"
			}
			v.Detail = e.Detail
		case !media && (e.Principal == "cli" || (person.ID != 0 && person.HouseholdID != h)) &&
			(e.Result == "ok" || e.Result == "failed" || e.Result == "granted"):
			v.What = "configuration"
			v.Detail = e.Action + " (" + e.Result + ")"
			if e.Result == "granted" {
				v.Detail = "settings opened"
			}
			if e.Principal == "cli" {
				v.Person = "local operator"
			} else if person.Admin {
				v.Person = person.Name + " (appliance admin)"
			}
		default:
			continue
		}
		out = append(out, v)
	}
	return out
}

// sessionTimes reads a session row's detail (AuditSession's format).
func sessionTimes(e AuditEntry) (time.Time, time.Time, string) {
	start, end := e.At, e.At
	var kind, reason string
	for _, f := range strings.Fields(e.Detail) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			continue
		}
		switch k {
		case "start":
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				start = t
			}
		case "end":
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				end = t
			}
		case "session":
			kind = v
		}
	}
	// The reason is the row's last field and may hold spaces ("peer gone").
	if _, r, ok := strings.Cut(e.Detail, " reason="); ok {
		reason = strings.TrimSpace(r)
	}
	if w, ok := endWords[reason]; ok {
		return start, end, w
	}
	return start, end, strings.TrimSpace(kind + " " + reason)
}

// endWords say why a session ended in a household's words; a reason not
// listed is shown as recorded, with its carrier (whep, mse).
var endWords = map[string]string{
	"closed":          "closed",
	"revoked":         "access withdrawn",
	"shutdown":        "Hearth stopped",
	"refused":         "refused",
	"error":           "failed",
	"connect timeout": "did not connect",
	"peer gone":       "connection lost",
	"footage ended":   "end of the recording",
	"source ended":    "the camera's stream ended",
}
