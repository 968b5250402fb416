package nvr

import (
	"fmt"
	"io"
	"log/slog"
	"time"
)

// Household is a group of people who share cameras.
type Household struct {
	// ID is the store's row number: internal, never shown to a client.
	ID HouseholdID
	// PublicID names the household in the API, URLs, forms and the CLI:
	// random, assigned by the store.
	PublicID  HouseholdPublicID
	Name      string
	CreatedAt time.Time
}

// User is an account. A user belongs to at most one household (the appliance
// admin may belong to none).
type User struct {
	// ID is the store's row number: internal (grants, foreign keys, the
	// audit log), never in an answer or a URL, since it counts every
	// household's accounts.
	ID UserID
	// PublicID names the user in the API and pages: random, assigned by
	// the store.
	PublicID    string
	Name        string
	HouseholdID HouseholdID // 0: no household
	Role        Role
	Admin       bool // appliance administrator: manages households and accounts, sees no other household's video
	Disabled    bool
	CreatedAt   time.Time
}

// Transport selects the RTSP lower transport for a camera.
type Transport string

// Transports.
const (
	TransportTCP  Transport = "tcp"
	TransportUDP  Transport = "udp"
	TransportAuto Transport = "auto"
)

// ParseTransport validates a transport name; "" means TCP.
func ParseTransport(s string) (Transport, error) {
	switch Transport(s) {
	case "":
		return TransportTCP, nil
	case TransportTCP, TransportUDP, TransportAuto:
		return Transport(s), nil
	}
	return "", Errorf("parse transport", KindInvalid, "transport must be tcp, udp or auto")
}

// Camera is a camera's configuration. MainURL and SubURL never contain
// credentials; those live in Username and Password, which are never rendered,
// returned or logged.
type Camera struct {
	ID          CameraID
	HouseholdID HouseholdID
	Name        string
	MainURL     string
	SubURL      string // optional lower-resolution stream
	Username    string
	Password    Secret
	Transport   Transport
	Enabled     bool
	CreatedAt   time.Time

	// Recording settings (see ValidateRecording). A store fills a new
	// camera's zero settings with the defaults below.
	RecordMode RecordMode
	// ResumeRecordMode is what turning recording back on restores: the
	// last RecordMode other than off (continuous for a camera never set
	// otherwise). Stores keep it on every write of RecordMode; it is read
	// only, by a recording switch (Home Assistant's over MQTT).
	ResumeRecordMode RecordMode
	PreRoll          time.Duration // footage kept before an event starts
	PostRoll         time.Duration // footage kept after an event ends
	// RetainContinuous and RetainEvents are how long continuous and event
	// footage is kept; whole days.
	RetainContinuous time.Duration
	RetainEvents     time.Duration

	// HouseholdSince is when the camera joined its household (zero: at
	// creation). Footage recorded before it belonged to another household
	// and is never played back (see Playback).
	HouseholdSince time.Time

	// Detection is the camera's event settings (see events_settings.go).
	Detection Detection

	// LocalOK tells that the appliance admin set the camera's URLs, so they
	// may reach this appliance (a restreamer on 127.0.0.1, say). When false
	// (a household owner's URLs, and the zero value) every connection to the
	// camera refuses, at the dial, an address of this appliance
	// (RefuseLocalAddr), whatever the name resolved to when it was saved.
	LocalOK bool

	// Shutter is the camera's privacy shutter (see shutter.go).
	Shutter Shutter

	// ONVIFURL is the camera's ONVIF device service, "" when none: where
	// its events and PTZ are reached. It is on the main stream's host
	// (ONVIFCredentials).
	ONVIFURL string
}

// RecordMode selects what a camera records.
type RecordMode string

// Record modes.
const (
	RecordContinuous RecordMode = "continuous" // everything; event footage is flagged
	RecordEvents     RecordMode = "events"     // only around events, with pre and post roll
	RecordOff        RecordMode = "off"        // nothing
)

// ParseRecordMode validates a record mode name; "" means continuous.
func ParseRecordMode(s string) (RecordMode, error) {
	switch RecordMode(s) {
	case "":
		return RecordContinuous, nil
	case RecordContinuous, RecordEvents, RecordOff:
		return RecordMode(s), nil
	}
	return "", Errorf("parse record mode", KindInvalid, "record mode must be continuous, events or off")
}

// Recording defaults and limits.
const (
	DefaultCameraPreRoll    = 5 * time.Second
	DefaultCameraPostRoll   = 10 * time.Second
	DefaultRetainContinuous = 14 * 24 * time.Hour
	DefaultRetainEvents     = 30 * 24 * time.Hour

	MaxPreRoll  = 5 * time.Minute
	MaxPostRoll = time.Hour
	MaxRetain   = 3650 * 24 * time.Hour
)

// WithRecordingDefaults returns c with each zero recording setting replaced
// by its default. (A zero pre or post roll is set afterwards, by update.)
func (c Camera) WithRecordingDefaults() Camera {
	if c.RecordMode == "" {
		c.RecordMode = RecordContinuous
	}
	if c.PreRoll == 0 {
		c.PreRoll = DefaultCameraPreRoll
	}
	if c.PostRoll == 0 {
		c.PostRoll = DefaultCameraPostRoll
	}
	if c.RetainContinuous == 0 {
		c.RetainContinuous = DefaultRetainContinuous
	}
	if c.RetainEvents == 0 {
		c.RetainEvents = DefaultRetainEvents
	}
	c.Detection = c.Detection.WithDefaults()
	return c
}

// ValidateRecording checks c's recording settings: a known mode, pre roll
// in [0, MaxPreRoll] and post roll in [0, MaxPostRoll], both in whole
// milliseconds, and retention ages of 1 to 3650 whole days. KindInvalid
// otherwise.
func (c Camera) ValidateRecording() error {
	const op = "validate camera"
	if _, err := ParseRecordMode(string(c.RecordMode)); err != nil || c.RecordMode == "" {
		return Errorf(op, KindInvalid, "record mode must be continuous, events or off")
	}
	for _, r := range []struct {
		name string
		d    time.Duration
		max  time.Duration
	}{{"pre roll", c.PreRoll, MaxPreRoll}, {"post roll", c.PostRoll, MaxPostRoll}} {
		if r.d < 0 || r.d > r.max || r.d%time.Millisecond != 0 {
			// In seconds, as the settings page asks for them: "5m0s" is Go's.
			return Errorf(op, KindInvalid, "%s must be 0 to %g seconds, in whole milliseconds", r.name, r.max.Seconds())
		}
	}
	for _, r := range []struct {
		name string
		d    time.Duration
	}{{"continuous retention", c.RetainContinuous}, {"event retention", c.RetainEvents}} {
		if r.d < 24*time.Hour || r.d > MaxRetain || r.d%(24*time.Hour) != 0 {
			return Errorf(op, KindInvalid, "%s must be 1 to 3650 whole days", r.name)
		}
	}
	return nil
}

// Secret holds a credential. Its formatting, JSON and log forms are redacted
// so it cannot leak by accident; Reveal is the one explicit way out. The
// value sits behind a pointer so that even fmt's reflection paths (%p, bad
// verbs on an enclosing struct) print an address, never the text.
type Secret struct{ v *secretValue }

type secretValue struct{ s string }

// NewSecret wraps a credential.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{v: &secretValue{s: s}}
}

// Reveal returns the credential, for the code that must send it to a camera.
func (s Secret) Reveal() string {
	if s.v == nil {
		return ""
	}
	return s.v.s
}

// IsSet reports whether a credential is present.
func (s Secret) IsSet() bool { return s.v != nil && s.v.s != "" }

const redacted = "[redacted]"

// String implements fmt.Stringer with a redacted value.
func (s Secret) String() string { return redacted }

// GoString keeps %#v redacted too.
func (s Secret) GoString() string { return redacted }

// MarshalJSON never emits the credential.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText never emits the credential.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Format keeps every fmt verb redacted (%d, %x, %q, ... would otherwise
// print the struct's field).
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue keeps slog redacted.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// Session is a browser login. Only the token's hash is stored.
type Session struct {
	// ID is the store's row number: internal (the principal in the audit
	// log), never in an answer or a URL, since it counts every household's
	// logins.
	ID int64
	// PublicID names the session to its user: random, assigned by the
	// store.
	PublicID   string
	UserID     UserID
	TokenHash  []byte
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute expiry; idle expiry is LastSeenAt + the idle timeout
	ClientAddr string
	UserAgent  string
}

// APIToken is a long-lived bearer credential for scripts and automations.
// Only the token's hash is stored.
type APIToken struct {
	// ID is the store's row number: internal, like Session.ID.
	ID int64
	// PublicID names the token to its user and the admin: random,
	// assigned by the store.
	PublicID   string
	UserID     UserID
	Name       string
	Scope      TokenScope
	TokenHash  []byte
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used
	ExpiresAt  time.Time // zero: never expires
	// DigestHA1 is the token's RTSP digest HA1 (view tokens only; see
	// DigestHA1): password-equivalent for the RTSP restream, so like the
	// hash it is never rendered, returned or logged.
	DigestHA1 string
}

// AuditEntry records one access decision on a camera or one administrative
// change.
type AuditEntry struct {
	ID        int64
	At        time.Time
	UserID    UserID // 0: no user (CLI)
	Principal string // e.g. "session:12", "token:3", "cli"
	CameraID  CameraID
	Action    string
	Result    string // "granted", "denied", "ok", "failed"
	Detail    string // never contains secrets
}

// MoveFootageMargin is how far past the end of a camera's newest indexed
// footage its new household's share begins when it moves (HouseholdSince
// is the later of the move's local time and that end plus the margin).
// Footage is stamped by the capture clock, which may run ahead of the
// appliance's (a camera's clock, drift, the local clock set back since
// the session anchored), so the move's local time alone could hand the
// new household footage recorded before the move. Fragments are
// contiguous: the one in flight at the move starts at the newest indexed
// end, and none is longer than the segment writer's longest fragment
// (10 s), so everything captured before the move lies before the bound.
// The new household misses at most that much of what follows the move.
const MoveFootageMargin = 10 * time.Second
