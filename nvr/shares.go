package nvr

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// NewShareLink is a request for a link.
type NewShareLink struct {
	Kind     ShareKind
	Window   TimeRange     // clip links: the range shared
	TTL      time.Duration // 0: DefaultShareTTL
	Passcode string        // "": none
	MaxViews int           // 0: no limit
	// Note is the household's own label ("for the plumber"), at most
	// MaxShareNoteLen characters; "" for none. Never shown on the link's
	// page.
	Note string
}

// MaxShareNoteLen bounds a link's note, in characters.
const MaxShareNoteLen = 80

// Shares makes, lists and revokes share links, each change with its audit
// row in one transaction. Using a link is the policy's (Policy.ShareLink).
// Safe for concurrent use.
type Shares struct {
	store  ShareStore
	now    func() time.Time
	argon2 Argon2Params
}

// NewShares returns the share links over store. now is the clock; argon
// the passcode hashing cost (zero: DefaultArgon2).
func NewShares(store ShareStore, now func() time.Time, argon Argon2Params) *Shares {
	if now == nil {
		now = time.Now
	}
	if argon == (Argon2Params{}) {
		argon = DefaultArgon2()
	}
	return &Shares{store: store, now: now, argon2: argon}
}

// Create makes a link to g's camera (g from ActionViewCamera) and returns
// its secret, shown this once and stored only as a digest.
// KindInvalid for a bad request; ErrNotFound when the holder of g may not
// share this camera (decideShareCreate).
// MayCreate reports whether the holder of g may make a link of kind k to
// g's camera, by the same decision Create makes (without making one): for
// pages, which offer "Share" only to whoever may.
func (s *Shares) MayCreate(g CameraGrant, k ShareKind) bool {
	return g.Require(ActionViewCamera) == nil && decideShareCreate(g.subject, CameraFacts{Camera: g.camera, Exists: true}, k)
}

func (s *Shares) Create(ctx context.Context, g CameraGrant, req NewShareLink) (string, ShareLinkInfo, error) {
	const op = "create share link"
	if err := g.Require(ActionViewCamera); err != nil {
		return "", ShareLinkInfo{}, err
	}
	now := s.now()
	if err := validateShare(&req, now); err != nil {
		return "", ShareLinkInfo{}, err
	}
	if since := g.camera.HouseholdSince; req.Kind == ShareClip && !since.IsZero() && req.Window.Start.Before(since) {
		return "", ShareLinkInfo{}, Errorf(op, KindInvalid, "the camera joined your household at %s; a link cannot share earlier footage",
			since.UTC().Format(time.RFC3339))
	}
	facts := CameraFacts{Camera: g.camera, Exists: true}
	if !decideShareCreate(g.subject, facts, req.Kind) {
		return "", ShareLinkInfo{}, ErrNotFound
	}
	if req.Kind == ShareClip {
		// A link to a stretch with no footage would open on nothing: say so
		// to the person making it rather than to the one it is sent to.
		// Asked only once the link is allowed, and read here rather than
		// through a recordings grant, which the viewing log would list as a
		// viewing.
		rs, err := s.store.CoveredRanges(ctx, g.camera.ID, "main", req.Window.Start, req.Window.End, 0)
		if err != nil {
			return "", ShareLinkInfo{}, Wrap(op, err)
		}
		if len(rs) == 0 {
			return "", ShareLinkInfo{}, Errorf(op, KindInvalid, "nothing was recorded in that stretch, so the link would show nothing: choose a stretch with footage")
		}
	}
	l := ShareLink{CameraID: g.camera.ID, CreatedBy: g.subject.User.ID, Kind: req.Kind,
		CreatedAt: now, ExpiresAt: now.Add(req.TTL), MaxViews: req.MaxViews, Note: req.Note}
	if req.Kind == ShareClip {
		l.Window = req.Window
	}
	if req.Passcode != "" {
		l.PasscodeHash = HashPassword(req.Passcode, s.argon2)
	}
	secret := newSecretToken(shareLinkPrefix)
	audit := func(l ShareLink) AuditEntry {
		return AuditEntry{At: now, UserID: g.subject.User.ID, Principal: g.subject.Principal.String(), CameraID: g.camera.ID,
			Action: "create-share-link", Result: "ok", Detail: shareDetail(l)}
	}
	l, err := s.store.CreateShareLink(ctx, l, HashToken(secret), audit)
	if err != nil {
		return "", ShareLinkInfo{}, Wrap(op, err)
	}
	return secret, ShareLinkInfo{ShareLink: l, CameraName: g.camera.Name, CameraHousehold: g.camera.HouseholdID,
		CreatorName: g.subject.User.Name}, nil
}

func validateShare(req *NewShareLink, now time.Time) error {
	const op = "create share link"
	switch req.Kind {
	case ShareLive:
		if req.Window != (TimeRange{}) {
			return Errorf(op, KindInvalid, "a live link has no time range")
		}
	case ShareClip:
		w := req.Window
		if w.Start.IsZero() || w.End.IsZero() || !w.End.After(w.Start) {
			return Errorf(op, KindInvalid, "a clip link needs a start before its end")
		}
		if w.End.Sub(w.Start) > MaxShareClip {
			return Errorf(op, KindInvalid, "a clip link may span at most %s", MaxShareClip)
		}
		if !w.Start.Before(now) {
			return Errorf(op, KindInvalid, "a clip link must start in the past")
		}
	default:
		return Errorf(op, KindInvalid, "kind must be live or clip")
	}
	switch {
	case req.TTL == 0:
		req.TTL = DefaultShareTTL
	case req.TTL < time.Minute || req.TTL > MaxShareTTL:
		return Errorf(op, KindInvalid, "a link lasts from 1 minute to %d days", int(MaxShareTTL/(24*time.Hour)))
	}
	if req.Passcode != "" && (len(req.Passcode) < MinSharePasscodeLen || len(req.Passcode) > MaxSharePasscodeLen) {
		return Errorf(op, KindInvalid, "a passcode has %d to %d characters", MinSharePasscodeLen, MaxSharePasscodeLen)
	}
	req.Note = strings.TrimSpace(req.Note)
	if !utf8.ValidString(req.Note) || utf8.RuneCountInString(req.Note) > MaxShareNoteLen ||
		strings.IndexFunc(req.Note, unicode.IsControl) >= 0 {
		return Errorf(op, KindInvalid, "a note has at most %d characters, on one line", MaxShareNoteLen)
	}
	if req.MaxViews < 0 || req.MaxViews > MaxShareViews {
		return Errorf(op, KindInvalid, "max views is from 0 (no limit) to %d", MaxShareViews)
	}
	return nil
}

// List returns the links the holder of g may see (decideShareManage): an
// owner's household's links, a member's own. Secrets are not stored, so
// no listing can show one.
func (s *Shares) List(ctx context.Context, g UserGrant) ([]ShareLinkInfo, error) {
	if !g.Valid() || g.subject.User.HouseholdID == 0 {
		return nil, nil
	}
	all, err := s.store.ShareLinks(ctx, g.subject.User.HouseholdID)
	if err != nil {
		return nil, Wrap("list share links", err)
	}
	out := make([]ShareLinkInfo, 0, len(all))
	for _, l := range all {
		if decideShareManage(g.subject, l) {
			out = append(out, l)
		}
	}
	return out, nil
}

// Revoke deletes link id if the holder of g may manage it; a running
// viewer of it ends at its session's next recheck. Any other ID answers
// ErrNotFound.
func (s *Shares) Revoke(ctx context.Context, g UserGrant, id string) error {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 || !g.Valid() {
		return ErrNotFound
	}
	acc, err := s.store.ShareAccessByID(ctx, n)
	if ErrorKind(err) == KindNotFound {
		return ErrNotFound
	}
	if err != nil {
		return Wrap("revoke share link", err)
	}
	info := ShareLinkInfo{ShareLink: acc.Link, CameraHousehold: acc.Camera.Camera.HouseholdID}
	if !acc.Camera.Exists || !decideShareManage(g.subject, info) {
		return ErrNotFound
	}
	audit := AuditEntry{At: s.now(), UserID: g.subject.User.ID, Principal: g.subject.Principal.String(), CameraID: acc.Link.CameraID,
		Action: "revoke-share-link", Result: "ok", Detail: shareDetail(acc.Link)}
	return Wrap("revoke share link", s.store.DeleteShareLink(ctx, n, audit))
}

// shareDetail describes a link for the audit log, without its secret.
func shareDetail(l ShareLink) string {
	d := "share link " + strconv.FormatInt(l.ID, 10) + " kind=" + string(l.Kind) +
		" expires=" + l.ExpiresAt.UTC().Format(time.RFC3339)
	if l.Kind == ShareClip {
		d += " start=" + l.Window.Start.UTC().Format(time.RFC3339) + " end=" + l.Window.End.UTC().Format(time.RFC3339)
	}
	if l.HasPasscode() {
		d += " passcode"
	}
	if l.MaxViews > 0 {
		d += " max_views=" + strconv.Itoa(l.MaxViews)
	}
	return d
}
