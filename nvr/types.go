package nvr

import (
	"fmt"
	"io"
	"log/slog"
	"time"
)

// Household is a group of people who share cameras.
type Household struct {
	ID        HouseholdID
	Name      string
	CreatedAt time.Time
}

// User is an account. A user belongs to at most one household (the appliance
// admin may belong to none).
type User struct {
	ID          UserID
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
	ID         int64
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
	ID         int64
	UserID     UserID
	Name       string
	Scope      TokenScope
	TokenHash  []byte
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used
	ExpiresAt  time.Time // zero: never expires
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
