package nvr

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"time"
)

// CredentialShareLink is a share link: whoever holds the link's secret.
// Its principal names the link row (CredentialID) and the link's creator
// (UserID), whose access the link borrows and never exceeds; the
// database's credential check knows no such kind, so a link principal
// reaches nothing through the ordinary camera decision, only through
// Policy.ShareLink.
const CredentialShareLink CredentialKind = 6

// shareLinkPrefix marks a share link's secret in a URL or a log.
const shareLinkPrefix = "hsl_"

// Share link limits.
const (
	DefaultShareTTL = 24 * time.Hour
	MaxShareTTL     = 30 * 24 * time.Hour
	// MaxShareClip bounds a shared clip's range: a link is for a moment,
	// not a day's footage.
	MaxShareClip = 6 * time.Hour
	// MaxShareViews bounds the optional view count.
	MaxShareViews = 10000
	// Passcode lengths: short enough to read out, long enough to matter.
	MinSharePasscodeLen = 4
	MaxSharePasscodeLen = 128
)

// ShareKind is what a link shows.
type ShareKind string

// Share kinds.
const (
	ShareLive ShareKind = "live" // the camera's live view
	ShareClip ShareKind = "clip" // one recorded range of the camera
)

// ShareLink is one link row. The secret is never stored; Digest is its
// SHA-256 (HashToken).
type ShareLink struct {
	ID        int64
	CameraID  CameraID
	CreatedBy UserID
	Kind      ShareKind
	Window    TimeRange // the clip's range; zero for a live link
	CreatedAt time.Time
	ExpiresAt time.Time
	// PasscodeHash is the passcode's argon2id; "" when there is none.
	PasscodeHash string
	MaxViews     int // 0: no limit
	Views        int
	Note         string // the household's label for it (NewShareLink.Note)
}

// UsedUp reports whether the link's views are all taken.
func (l ShareLink) UsedUp() bool { return l.MaxViews > 0 && l.Views >= l.MaxViews }

// HasPasscode reports whether the link asks for a passcode.
func (l ShareLink) HasPasscode() bool { return l.PasscodeHash != "" }

// PublicID names the link in the API (its row number is not secret: the
// secret is what opens it, and only creators and owners reach a link by ID).
func (l ShareLink) PublicID() string { return strconv.FormatInt(l.ID, 10) }

// ShareLinkInfo is a link with the names a listing shows.
type ShareLinkInfo struct {
	ShareLink
	CameraName      string
	CameraHousehold HouseholdID
	CreatorName     string
}

// ShareAccess is what the policy reads about a link on a request, in one
// snapshot: the link, its creator as now, and its camera as now.
type ShareAccess struct {
	Link    ShareLink
	Creator User // zero when the creator is gone
	Camera  CameraFacts
}

// ShareStore is the part of the database that holds share links. Every
// read is of committed state; none caches. Safe for concurrent use.
type ShareStore interface {
	// ShareAccessByDigest reads the link whose secret has that digest;
	// KindNotFound when there is none.
	ShareAccessByDigest(ctx context.Context, digest []byte) (ShareAccess, error)
	// ShareAccessByID reads link id; KindNotFound when there is none.
	ShareAccessByID(ctx context.Context, id int64) (ShareAccess, error)
	// CountShareView adds one view to link id if it has views left and
	// reports whether it did, in one statement (two viewers racing for the
	// last view cannot both have it).
	CountShareView(ctx context.Context, id int64) (bool, error)
	// CreateShareLink stores l with the secret's digest and the audit row
	// audit makes of the stored link (with its ID), in one transaction,
	// and returns l with its ID.
	CreateShareLink(ctx context.Context, l ShareLink, digest []byte, audit func(ShareLink) AuditEntry) (ShareLink, error)
	// CoveredRanges is RecordingStore's: a clip link must share footage
	// that exists.
	CoveredRanges(ctx context.Context, cam CameraID, stream string, from, to time.Time, gap time.Duration) ([]TimeRange, error)
	// DeleteShareLink deletes link id and writes audit, in one transaction.
	DeleteShareLink(ctx context.Context, id int64, audit AuditEntry) error
	// ShareLinks lists the links of household h's cameras, newest first.
	ShareLinks(ctx context.Context, h HouseholdID) ([]ShareLinkInfo, error)
	AppendAudit(ctx context.Context, e AuditEntry) error
}

// IsShareSecret reports whether s is shaped like a link secret (for
// redaction and before any database read).
func IsShareSecret(s string) bool { return wellFormedToken(s, shareLinkPrefix) }

// ShareSecretPrefix is the prefix every link secret starts with.
func ShareSecretPrefix() string { return shareLinkPrefix }

func shareLinkPrincipal(l ShareLink) Principal {
	return Principal{UserID: l.CreatedBy, Kind: CredentialShareLink, CredentialID: l.ID, Scope: ScopeView}
}

// shareAction maps a link kind to the media action it allows.
func shareAction(k ShareKind) Action {
	switch k {
	case ShareLive:
		return ActionViewLive
	case ShareClip:
		return ActionViewRecordings
	}
	return 0
}

// ShareProof is what a request shows for a link's passcode: the passcode
// as typed into the link's form, or the unlock (ShareUnlock) that the
// form's answer left in the browser. Zero: neither.
type ShareProof struct {
	Passcode string
	Unlock   string
}

// shareUnlockLabel separates the unlock's HMAC from any other use of the
// link's secret as a key.
const shareUnlockLabel = "hearth share link unlock v1\x00"

// ShareUnlock is what a browser keeps once it gave link l's passcode: an
// HMAC-SHA256, keyed by the link's secret, of the link's ID and its
// passcode's stored argon2id (which has a random salt). It never holds the
// passcode and cannot be turned back into it; making one takes both the
// secret (only in the link's URL) and the stored digest (only in the
// database), so neither a leaked cookie jar without the database nor a
// leaked database without the link forges one. It names one link: a
// revoked link's row is gone, and its unlock with it. "" for a link
// without a passcode.
func ShareUnlock(secret string, l ShareLink) string {
	if !l.HasPasscode() {
		return ""
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(shareUnlockLabel + strconv.FormatInt(l.ID, 10) + "\x00" + l.PasscodeHash))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// MaxShareUnlockLen bounds an unlock read from a cookie.
const MaxShareUnlockLen = 43

// shareUnlocked reports whether unlock is link l's unlock for secret.
func shareUnlocked(secret string, l ShareLink, unlock string) bool {
	want := ShareUnlock(secret, l)
	return want != "" && len(unlock) == len(want) && hmac.Equal([]byte(unlock), []byte(want))
}
