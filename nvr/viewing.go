package nvr

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// ViewingStore is the part of the database the viewing log reads: the
// audit log (which every live and playback session, every grant of media,
// every share link use and every change writes to) and the accounts it
// names. Reads committed state; never caches. Safe for concurrent use.
type ViewingStore interface {
	// CameraAudit returns the audit rows of cams strictly older than
	// before in the log's order (time, then row ID; zero: from the
	// newest), newest first, at most limit.
	CameraAudit(ctx context.Context, cams []CameraID, before AuditCursor, limit int) ([]AuditEntry, error)
	// CameraAuditAfter returns the audit rows of cams from after on
	// (after's own row included), oldest first, at most limit.
	CameraAuditAfter(ctx context.Context, cams []CameraID, after AuditCursor, limit int) ([]AuditEntry, error)
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
	Cursor string   // from a previous page's Next: older lines; "": the newest
}

// ViewingPage is one page of the log.
type ViewingPage struct {
	Viewings []Viewing
	Next     string // the cursor of the older lines; "" on the last page
}

// AuditCursor is a place in the audit log's order: a row's time and ID.
type AuditCursor struct {
	At time.Time
	ID int64
}

// IsZero reports whether c names no place (the newest end of the log).
func (c AuditCursor) IsZero() bool { return c.ID == 0 && c.At.IsZero() }

// Viewing log bounds.
const (
	DefaultViewingLimit = 200
	MaxViewingLimit     = 1000
	// viewingScan is how many audit rows one read looks through: the log
	// holds other rows too (denials, grants merged into their sessions).
	// A page that had more to look through ends with a cursor.
	viewingScan = 5000
	// viewingFold is how many rows from a page's cursor on are read to
	// fold the page's grants into sessions that ended on earlier pages.
	viewingFold = 1000
	// sessionJoin is how far from a session its requests' grants may be
	// (before its start, after its end) to be part of that viewing, and
	// how close repeated grants without a session are one viewing.
	sessionJoin = 10 * time.Second
	// lookJoin is how close grants without a session of one person and
	// camera must be to each other to be one look: a few minutes of
	// browsing events, one visit to the admin's pages.
	lookJoin = 2 * time.Minute
)

// ViewingLog reads who watched which camera of a household, from the
// audit rows, decided row by row by decideViewingRow. Safe for concurrent
// use.
type ViewingLog struct {
	store ViewingStore
	scan  int // audit rows one read looks through: viewingScan
}

// NewViewingLog returns the viewing log over store.
func NewViewingLog(store ViewingStore) *ViewingLog {
	return &ViewingLog{store: store, scan: viewingScan}
}

// Read returns the viewings the holder of g may read, newest first: the
// first page (ReadPage).
func (vl *ViewingLog) Read(ctx context.Context, g UserGrant, f ViewingFilter) ([]Viewing, error) {
	p, err := vl.ReadPage(ctx, g, f)
	return p.Viewings, err
}

// ReadPage returns one page of the viewings the holder of g may read,
// newest first, at most f.Limit, from f.Cursor on; its Next continues
// with older lines. KindInvalid for a limit out of range or a cursor not
// made by ReadPage.
func (vl *ViewingLog) ReadPage(ctx context.Context, g UserGrant, f ViewingFilter) (ViewingPage, error) {
	const op = "read viewing log"
	if f.Limit == 0 {
		f.Limit = DefaultViewingLimit
	}
	if f.Limit < 0 || f.Limit > MaxViewingLimit {
		return ViewingPage{}, Errorf(op, KindInvalid, "limit must be 1 to %d", MaxViewingLimit)
	}
	var before AuditCursor
	if f.Cursor != "" {
		c, err := parseAuditCursor(f.Cursor)
		if err != nil {
			return ViewingPage{}, err
		}
		before = c
	}
	u := g.subject.User
	if !g.Valid() || u.HouseholdID == 0 {
		return ViewingPage{}, nil
	}
	cams, err := vl.store.HouseholdCameras(ctx, u.HouseholdID, 0)
	if err != nil {
		return ViewingPage{}, Wrap(op, err)
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
		return ViewingPage{}, nil
	}
	users, err := vl.store.Users(ctx, 0)
	if err != nil {
		return ViewingPage{}, Wrap(op, err)
	}
	people := map[UserID]User{}
	for _, x := range users {
		people[x.ID] = x
	}
	rows, err := vl.store.CameraAudit(ctx, ids, before, vl.scan)
	if err != nil {
		return ViewingPage{}, Wrap(op, err)
	}
	// This page's grants may have opened sessions whose rows (written
	// when they ended) were on earlier pages, up to the cursor's own row.
	var newer []AuditEntry
	if !before.IsZero() {
		if newer, err = vl.store.CameraAuditAfter(ctx, ids, before, viewingFold); err != nil {
			return ViewingPage{}, Wrap(op, err)
		}
	}
	decided := func(es []AuditEntry) []AuditEntry {
		var kept []AuditEntry
		for _, e := range es {
			if decideViewingRow(g.subject, byID[e.CameraID], e) {
				kept = append(kept, e)
			}
		}
		return kept
	}
	vs, last := viewingsOf(decided(rows), decided(newer), byID, people, u.HouseholdID, f)
	p := ViewingPage{Viewings: vs}
	// More may lie past this page: it stopped at its limit, or, short of
	// it, the scan stopped at its own (the cursor is then the last row
	// looked through).
	if last.IsZero() && len(rows) == vl.scan {
		last = AuditCursor{At: rows[len(rows)-1].At, ID: rows[len(rows)-1].ID}
	}
	if !last.IsZero() {
		p.Next = formatAuditCursor(last)
	}
	return p, nil
}

const auditCursorPrefix = "v1."

func formatAuditCursor(c AuditCursor) string {
	raw := strconv.FormatInt(c.At.UnixNano(), 10) + "." + strconv.FormatInt(c.ID, 10)
	return auditCursorPrefix + base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func parseAuditCursor(s string) (AuditCursor, error) {
	bad := Errorf("parse cursor", KindInvalid, "cursor is not valid: use the Show older link as given")
	rest, ok := strings.CutPrefix(s, auditCursorPrefix)
	if !ok || len(rest) > 64 {
		return AuditCursor{}, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return AuditCursor{}, bad
	}
	a, c, ok := strings.Cut(string(b), ".")
	if !ok {
		return AuditCursor{}, bad
	}
	atNs, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(c, 10, 64)
	if err1 != nil || err2 != nil || id <= 0 {
		return AuditCursor{}, bad
	}
	return AuditCursor{At: time.Unix(0, atNs).UTC(), ID: id}, nil
}

// viewingsOf turns decided rows (newest first) into viewings: a session's
// "ended" row is one viewing, with the grant that opened it folded in; a
// media grant with no session is a download or a session still open; a
// link's use is named as such; a change by someone from outside the
// household (the admin) or the CLI, and the admin's opening of a camera's
// settings, is configuration access. newer are decided rows newer than
// rows (a later page's), read only to fold grants into their sessions.
// When the limit stops it before the last row, it also returns the
// place of the last row it read.
func viewingsOf(rows, newer []AuditEntry, cams map[CameraID]Camera, people map[UserID]User, h HouseholdID, f ViewingFilter) ([]Viewing, AuditCursor) {
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
	isMedia := func(e AuditEntry) bool {
		return e.Action == ActionViewLive.String() || e.Action == ActionViewRecordings.String()
	}
	// newer holds sessions that ended on earlier pages.
	for _, es := range [][]AuditEntry{newer, rows} {
		for _, e := range es {
			if isMedia(e) && e.Result == "ended" {
				start, end, _ := sessionTimes(e)
				k := who{e.Principal, e.CameraID}
				spans[k] = append(spans[k], span{start.Add(-sessionJoin), end.Add(sessionJoin)})
			}
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
	// Grants without a session (a download, a still, the events list's
	// pictures, the admin's reading of a camera's settings or status) that
	// repeat within lookJoin of each other are one viewing, spanning them.
	// (Before, one load of the admin's status page wrote four rows per
	// camera into every household's log, burying its viewings.)
	type lookSeen struct {
		what string
		at   time.Time // the oldest grant folded so far
		idx  int       // its viewing in out
	}
	lastLook := map[who]lookSeen{}
	// fold reports whether e continues the look of its person and camera
	// already in out (rows come newest first), stretching that look back.
	fold := func(e AuditEntry, what string) bool {
		k := who{e.Principal, e.CameraID}
		last, ok := lastLook[k]
		if ok && last.what == what && last.at.Sub(e.At) <= lookJoin {
			v := &out[last.idx]
			if v.End.IsZero() {
				v.End = v.Start
			}
			v.Start = e.At
			lastLook[k] = lookSeen{what, e.At, last.idx}
			return true
		}
		lastLook[k] = lookSeen{what, e.At, len(out)}
		return false
	}
	for i, e := range rows {
		if len(out) >= f.Limit {
			return out, AuditCursor{At: rows[i-1].At, ID: rows[i-1].ID}
		}
		person := people[e.UserID]
		if f.Person != "" && person.PublicID != f.Person {
			continue
		}
		v := Viewing{Start: e.At, Camera: e.CameraID, CameraN: cams[e.CameraID].Name, Person: person.Name, PersonID: person.PublicID}
		media := isMedia(e)
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
			if fold(e, v.What) {
				continue // the same look, a request later (newest first)
			}
		case e.Action == "create-share-link" || e.Action == "revoke-share-link":
			v.What = "share link made"
			if e.Action == "revoke-share-link" {
				v.What = "share link revoked"
			}
			v.Detail = shareDetailWords(e.Detail)
		case !media && (e.Principal == "cli" || (person.ID != 0 && person.HouseholdID != h)) &&
			(e.Result == "ok" || e.Result == "failed" || e.Result == "granted"):
			v.What = "configuration"
			v.Detail = configWords(e.Action, e.Result)
			if e.Principal == "cli" {
				v.Person = "local operator"
			} else if person.Admin {
				v.Person = person.Name + " (appliance admin)"
			}
			if e.Result == "granted" && fold(e, v.What) {
				continue
			}
		default:
			continue
		}
		out = append(out, v)
	}
	return out, AuditCursor{}
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

// cameraChangeWords name a change to a camera, recorded under its action
// (with "admin:" when the admin or the operator made it), the way the
// household would say it.
var cameraChangeWords = map[string]string{
	"add-camera":      "added the camera",
	"edit-camera":     "changed the camera's settings",
	"move-camera":     "moved the camera between households",
	"remove-camera":   "removed the camera",
	"assign-camera":   "let a viewer see the camera",
	"unassign-camera": "stopped a viewer seeing the camera",
}

// shareDetailWords says a share link's audit detail (shareDetail: "share
// link 12 kind=live expires=... max_views=1") in words: "live view, until
// 2026-12-08 12:50 UTC, 1 view". A detail in another shape is kept as it is.
func shareDetailWords(detail string) string {
	fields := strings.Fields(detail)
	if len(fields) < 3 || fields[0] != "share" || fields[1] != "link" {
		return detail
	}
	at := func(v string) string {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return v
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	}
	var kind, span, views, passcode, until string
	var start, end string
	for _, f := range fields[3:] {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "kind":
			kind = "live view"
			if v == string(ShareClip) {
				kind = "a recording"
			}
		case "start":
			start = at(v)
		case "end":
			end = at(v)
		case "expires":
			until = "until " + at(v)
		case "passcode":
			passcode = "with a passcode"
		case "max_views":
			views = v + " views"
			if v == "1" {
				views = "1 view"
			}
		default:
			return detail
		}
	}
	if start != "" || end != "" {
		span = "from " + start + " to " + end
	}
	var words []string
	for _, w := range []string{kind, span, until, views, passcode} {
		if w != "" {
			words = append(words, w)
		}
	}
	return strings.Join(words, ", ")
}

// configWords says what a configuration row did: the opening of the
// camera's settings, a change in words, or (a change not listed) its
// action; "(failed)" when it did not happen.
func configWords(action, result string) string {
	if result == "granted" {
		return "settings or status read"
	}
	w, ok := cameraChangeWords[strings.TrimPrefix(action, "admin:")]
	if !ok {
		w = action
	}
	if result != "ok" {
		w += " (" + result + ")"
	}
	return w
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
	// The browser's connection went without a goodbye: mostly a page left
	// or closed, sometimes the network ("connection lost" alone read as
	// a fault on every ordinary viewing).
	"peer gone":     "page left or connection lost",
	"footage ended": "end of the recording",
	"source ended":  "the camera's stream ended",
}
