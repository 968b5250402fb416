package nvr

import (
	"context"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The vocabulary of notifications: who is told (a user), through what (a
// channel), about what (a rule). Whether a message goes out is never read
// from these rows alone: the policy decides for every message at the
// moment it is sent (Policy.NotifyCamera, Policy.NotifyAdmin), and the
// delivery engine lives in nvr/notify.

// NotifyChannelKind says how a channel reaches its user.
type NotifyChannelKind string

// Channel kinds.
const (
	ChannelWebhook NotifyChannelKind = "webhook" // JSON POST, optional HMAC-SHA256 signature
	ChannelNtfy    NotifyChannelKind = "ntfy"    // ntfy's HTTP publish API
	ChannelEmail   NotifyChannelKind = "email"   // e-mail over the appliance's SMTP relay
	ChannelWebPush NotifyChannelKind = "webpush" // a browser push subscription
)

// ParseNotifyChannelKind validates a channel kind name.
func ParseNotifyChannelKind(s string) (NotifyChannelKind, error) {
	switch k := NotifyChannelKind(s); k {
	case ChannelWebhook, ChannelNtfy, ChannelEmail, ChannelWebPush:
		return k, nil
	}
	return "", Errorf("parse channel kind", KindInvalid, "channel kind must be webhook, ntfy, email or webpush")
}

// NotifyKind is what a message is about.
type NotifyKind string

// Notification kinds. Motion and trigger come from events; the others
// from camera health, measured from frames and bytes seen.
const (
	NotifyMotion     NotifyKind = "motion"
	NotifyTrigger    NotifyKind = "trigger"
	NotifyOffline    NotifyKind = "offline"     // no frames for the grace period
	NotifyOnline     NotifyKind = "online"      // frames again after offline
	NotifyStalled    NotifyKind = "stalled"     // frames arrive but nothing is written
	NotifyStorageLow NotifyKind = "storage-low" // appliance-wide; admins only
)

// NotifyKinds lists every kind, in the order pages show them.
func NotifyKinds() []NotifyKind {
	return []NotifyKind{NotifyMotion, NotifyTrigger, NotifyOffline, NotifyOnline, NotifyStalled, NotifyStorageLow}
}

// ParseNotifyKind validates a kind name.
func ParseNotifyKind(s string) (NotifyKind, error) {
	if k := NotifyKind(s); slices.Contains(NotifyKinds(), k) {
		return k, nil
	}
	return "", Errorf("parse notification kind", KindInvalid,
		"kind must be one of motion, trigger, offline, online, stalled, storage-low")
}

// AdminOnly reports whether only the appliance admin may be told about k:
// storage belongs to the appliance, not to a household.
func (k NotifyKind) AdminOnly() bool { return k == NotifyStorageLow }

// NotifyChannelID is a channel's public name (randomID's form).
type NotifyChannelID string

// NotifyRuleID is a rule's public name (randomID's form).
type NotifyRuleID string

// ParseNotifyChannelID validates s as a channel ID; anything else names nothing.
func ParseNotifyChannelID(s string) (NotifyChannelID, error) {
	if !isRandomID(s) {
		return "", ErrNotFound
	}
	return NotifyChannelID(s), nil
}

// ParseNotifyRuleID validates s as a rule ID; anything else names nothing.
func ParseNotifyRuleID(s string) (NotifyRuleID, error) {
	if !isRandomID(s) {
		return "", ErrNotFound
	}
	return NotifyRuleID(s), nil
}

// NotifyChannel is one way to reach one user.
type NotifyChannel struct {
	ID     NotifyChannelID
	Seq    int64 // the store's row number: internal, never in an answer
	UserID UserID
	Kind   NotifyChannelKind
	Name   string
	// Target is where messages go: a URL (webhook, ntfy topic, push
	// endpoint) or an e-mail address. Not a secret, but shown only to its
	// owner and the admin.
	Target string
	// Secret is the webhook's HMAC key, the ntfy access token or the push
	// subscription's keys (JSON); stored server-side, never returned.
	Secret Secret
	// LocalOK: the appliance admin set the target, which may then reach
	// this appliance or the loopback (see Camera.LocalOK). False for a
	// user's own channel.
	LocalOK   bool
	CreatedAt time.Time
}

// NotifyRule says which messages a user wants.
type NotifyRule struct {
	ID     NotifyRuleID
	Seq    int64
	UserID UserID
	// CameraID limits the rule to one camera; "" means every camera the
	// user may see at the moment of each message.
	CameraID CameraID
	Kinds    []NotifyKind
	// Labels limits trigger messages to these labels; empty: any.
	Labels []string
	// QuietStart and QuietEnd are minutes after midnight (appliance local
	// time) between which nothing is sent; equal: no quiet hours. The span
	// may wrap midnight (22:00–07:00).
	QuietStart, QuietEnd int
	// Cooldown is the least time between two motion messages, or two
	// trigger messages, of this rule for one camera; 0: none. Health
	// changes (offline, online, stalled, storage low) are always sent.
	Cooldown  time.Duration
	Thumbnail bool // attach the event's thumbnail
	CreatedAt time.Time
}

// Limits of notification settings.
const (
	MaxNotifyChannels = 16
	MaxNotifyRules    = 32
	MaxNotifyCooldown = 24 * time.Hour
	maxTargetLen      = 2048
	maxChannelName    = 64
	maxSecretLen      = 4096
)

// Wants reports whether the rule asks for a message of kind k with label
// label about camera cam at local time t. It does not decide whether the
// user may be told: that is the policy's, at send time.
func (r NotifyRule) Wants(k NotifyKind, label string, cam CameraID, t time.Time) bool {
	if r.CameraID != "" && r.CameraID != cam {
		return false
	}
	if !slices.Contains(r.Kinds, k) {
		return false
	}
	if k == NotifyTrigger && len(r.Labels) > 0 && !slices.ContainsFunc(r.Labels, func(want string) bool { return labelMatches(want, label) }) {
		return false
	}
	return !r.Quiet(t)
}

// labelMatches reports whether a rule's label want names an event's label
// got: the same label (case aside), or its first part when the event's
// label is a kind with the camera's own rule after it, as a camera's
// analytics name them ("person (PeopleRule)" for "person").
func labelMatches(want, got string) bool {
	if strings.EqualFold(want, got) {
		return true
	}
	head, _, ok := strings.Cut(got, " (")
	return ok && strings.EqualFold(want, head)
}

// Quiet reports whether t (in its own location) falls in the quiet hours.
func (r NotifyRule) Quiet(t time.Time) bool {
	if r.QuietStart == r.QuietEnd {
		return false
	}
	m := t.Hour()*60 + t.Minute()
	if r.QuietStart < r.QuietEnd {
		return m >= r.QuietStart && m < r.QuietEnd
	}
	return m >= r.QuietStart || m < r.QuietEnd
}

// ValidateNotifyRule checks a rule's own fields (not whether its camera
// may be seen: that is Policy.NotifyCamera's).
func ValidateNotifyRule(r NotifyRule) error {
	const op = "validate rule"
	if len(r.Kinds) == 0 {
		return Errorf(op, KindInvalid, "a rule needs at least one kind")
	}
	seen := map[NotifyKind]bool{}
	for _, k := range r.Kinds {
		if _, err := ParseNotifyKind(string(k)); err != nil {
			return err
		}
		if seen[k] {
			return Errorf(op, KindInvalid, "kind %s is listed twice", k)
		}
		seen[k] = true
	}
	if len(r.Labels) > 16 {
		return Errorf(op, KindInvalid, "a rule names at most 16 labels")
	}
	for _, l := range r.Labels {
		if l == "" {
			return Errorf(op, KindInvalid, "a label must not be empty")
		}
		if err := ValidateLabel(l); err != nil {
			return err
		}
	}
	if r.QuietStart < 0 || r.QuietStart >= 24*60 || r.QuietEnd < 0 || r.QuietEnd >= 24*60 {
		return Errorf(op, KindInvalid, "quiet hours must be times of day (00:00 to 23:59)")
	}
	if r.Cooldown < 0 || r.Cooldown > MaxNotifyCooldown {
		return Errorf(op, KindInvalid, "cooldown must be between 0 and 24 hours")
	}
	if r.CameraID != "" {
		if _, err := ParseCameraID(string(r.CameraID)); err != nil {
			return Errorf(op, KindInvalid, "camera must be a camera ID")
		}
	}
	return nil
}

// ValidateNotifyChannel checks a channel's own fields and, unless LocalOK,
// that its target does not point at this appliance (the SSRF rule of
// camera URLs: a user may not aim Hearth's requests at its own services).
// lookup resolves host names (nil: the system resolver).
func ValidateNotifyChannel(ctx context.Context, c NotifyChannel, lookup LookupHost) error {
	const op = "validate channel"
	if _, err := ParseNotifyChannelKind(string(c.Kind)); err != nil {
		return err
	}
	if c.Name == "" || len(c.Name) > maxChannelName || ValidateLabel(c.Name) != nil {
		return Errorf(op, KindInvalid, "name must be 1 to %d printable characters", maxChannelName)
	}
	if len(c.Target) == 0 || len(c.Target) > maxTargetLen {
		return Errorf(op, KindInvalid, "target must be 1 to %d characters", maxTargetLen)
	}
	if len(c.Secret.Reveal()) > maxSecretLen {
		return Errorf(op, KindInvalid, "secret must be at most %d characters", maxSecretLen)
	}
	if c.Kind == ChannelEmail {
		a, err := mail.ParseAddress(c.Target)
		if err != nil || a.Name != "" || a.Address != c.Target || strings.ContainsAny(c.Target, "\r\n") {
			return Errorf(op, KindInvalid, "target must be a plain e-mail address (name@example.com)")
		}
		return nil
	}
	u, err := url.Parse(c.Target)
	if err != nil || u.Host == "" || u.Opaque != "" || (u.Scheme != "https" && u.Scheme != "http") {
		return Errorf(op, KindInvalid, "target must be an http:// or https:// URL")
	}
	if u.User != nil {
		// Credentials go in the channel's secret, which is never shown.
		return Errorf(op, KindInvalid, "target must not contain a user name or password; put a token in the secret")
	}
	if u.Fragment != "" {
		return Errorf(op, KindInvalid, "target must not contain a #fragment")
	}
	if c.Kind == ChannelWebPush && u.Scheme != "https" && !c.LocalOK {
		return Errorf(op, KindInvalid, "a push endpoint must be an https:// URL")
	}
	if !c.LocalOK && LocalCameraHost(ctx, u.Hostname(), lookup) {
		// Home Assistant on the same box is the common case: say how the
		// appliance's admin allows it, since a household may not.
		return Errorf(op, KindInvalid, "target must not point at this appliance: a receiver on this machine "+
			"(Home Assistant beside Hearth) is added by the appliance's admin: hearth notify channel add USER --allow-local")
	}
	return nil
}
