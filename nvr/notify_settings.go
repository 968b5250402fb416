package nvr

import (
	"context"
	"time"
)

// NotifyStore is the part of the database that holds notification
// channels and rules. Every method reads or writes current committed
// state and never caches. Rows belong to one user: a method that takes a
// user and an ID answers KindNotFound for another user's row exactly as
// for a missing one. Safe for concurrent use.
type NotifyStore interface {
	// CreateNotifyChannel stores c (its ID is assigned); KindConflict when
	// the user already has MaxNotifyChannels.
	CreateNotifyChannel(ctx context.Context, c NotifyChannel) (NotifyChannel, error)
	// NotifyChannels lists user u's channels, oldest first.
	NotifyChannels(ctx context.Context, u UserID) ([]NotifyChannel, error)
	// NotifyChannel reads one of u's channels.
	NotifyChannel(ctx context.Context, u UserID, id NotifyChannelID) (NotifyChannel, error)
	// DeleteNotifyChannel removes one of u's channels.
	DeleteNotifyChannel(ctx context.Context, u UserID, id NotifyChannelID) error
	// CreateNotifyRule stores r; KindConflict beyond MaxNotifyRules.
	CreateNotifyRule(ctx context.Context, r NotifyRule) (NotifyRule, error)
	// NotifyRules lists user u's rules, oldest first.
	NotifyRules(ctx context.Context, u UserID) ([]NotifyRule, error)
	// DeleteNotifyRule removes one of u's rules.
	DeleteNotifyRule(ctx context.Context, u UserID, id NotifyRuleID) error
	// AppendAudit writes one audit row.
	AppendAudit(ctx context.Context, e AuditEntry) error
	// NotifyRulesFor lists the rules that name camera cam or every
	// camera, of the users in cam's household now; cam "" lists the
	// every-camera rules of appliance admins. It is a list of candidates,
	// never a decision: each is put to the policy when its message is
	// sent.
	NotifyRulesFor(ctx context.Context, cam CameraID) ([]NotifyRule, error)
}

// Notifications manages users' channels and rules. A user manages their
// own with a UserGrant; the admin CLI manages anyone's (the *For methods,
// which the CLI alone calls, like Directory's grant-free methods). A rule's
// camera must be one the user may see when it is saved; it is decided
// again for every message. Safe for concurrent use.
type Notifications struct {
	store  NotifyStore
	policy *Policy
	lookup LookupHost
	now    func() time.Time
}

// NewNotifications returns the settings service. lookup resolves channel
// target host names for the SSRF check (nil: the system resolver).
func NewNotifications(store NotifyStore, policy *Policy, lookup LookupHost, now func() time.Time) *Notifications {
	if now == nil {
		now = time.Now
	}
	return &Notifications{store: store, policy: policy, lookup: lookup, now: now}
}

// Channels lists the granted user's channels (secrets stay redacted).
func (n *Notifications) Channels(ctx context.Context, g UserGrant) ([]NotifyChannel, error) {
	if !g.Valid() {
		return nil, ErrNotFound
	}
	return n.store.NotifyChannels(ctx, g.User().ID)
}

// AddChannel adds a channel for the granted user. A user's own target may
// never reach this appliance (LocalOK is forced off).
func (n *Notifications) AddChannel(ctx context.Context, g UserGrant, c NotifyChannel) (NotifyChannel, error) {
	if !g.Valid() {
		return NotifyChannel{}, ErrNotFound
	}
	c.LocalOK = false
	out, err := n.addChannel(ctx, g.User().ID, c)
	return out, n.record(ctx, g.Principal().String(), g.User().ID, "", "notify-channel-add", channelDetail(out, c), err)
}

// AddChannelFor adds a channel for user u, as the appliance admin (CLI):
// localOK lets the target reach this appliance or the loopback.
func (n *Notifications) AddChannelFor(ctx context.Context, u UserID, c NotifyChannel) (NotifyChannel, error) {
	out, err := n.addChannel(ctx, u, c)
	return out, n.record(ctx, cliPrincipal, u, "", "notify-channel-add", channelDetail(out, c), err)
}

func (n *Notifications) addChannel(ctx context.Context, u UserID, c NotifyChannel) (NotifyChannel, error) {
	c.UserID, c.ID, c.CreatedAt = u, NotifyChannelID(randomID()), n.now()
	if err := ValidateNotifyChannel(ctx, c, n.lookup); err != nil {
		return NotifyChannel{}, err
	}
	return n.store.CreateNotifyChannel(ctx, c)
}

// Channel reads one of the granted user's channels.
func (n *Notifications) Channel(ctx context.Context, g UserGrant, id NotifyChannelID) (NotifyChannel, error) {
	if !g.Valid() {
		return NotifyChannel{}, ErrNotFound
	}
	return n.store.NotifyChannel(ctx, g.User().ID, id)
}

// RemoveChannel removes one of the granted user's channels.
func (n *Notifications) RemoveChannel(ctx context.Context, g UserGrant, id NotifyChannelID) error {
	if !g.Valid() {
		return ErrNotFound
	}
	err := n.store.DeleteNotifyChannel(ctx, g.User().ID, id)
	return n.record(ctx, g.Principal().String(), g.User().ID, "", "notify-channel-remove", "channel "+string(id), err)
}

// RemoveChannelFor removes one of user u's channels (admin CLI).
func (n *Notifications) RemoveChannelFor(ctx context.Context, u UserID, id NotifyChannelID) error {
	err := n.store.DeleteNotifyChannel(ctx, u, id)
	return n.record(ctx, cliPrincipal, u, "", "notify-channel-remove", "channel "+string(id), err)
}

// ChannelsFor lists user u's channels (admin CLI).
func (n *Notifications) ChannelsFor(ctx context.Context, u UserID) ([]NotifyChannel, error) {
	return n.store.NotifyChannels(ctx, u)
}

// Rules lists the granted user's rules.
func (n *Notifications) Rules(ctx context.Context, g UserGrant) ([]NotifyRule, error) {
	if !g.Valid() {
		return nil, ErrNotFound
	}
	return n.store.NotifyRules(ctx, g.User().ID)
}

// RulesFor lists user u's rules (admin CLI).
func (n *Notifications) RulesFor(ctx context.Context, u UserID) ([]NotifyRule, error) {
	return n.store.NotifyRules(ctx, u)
}

// AddRule adds a rule for the granted user.
func (n *Notifications) AddRule(ctx context.Context, g UserGrant, r NotifyRule) (NotifyRule, error) {
	if !g.Valid() {
		return NotifyRule{}, ErrNotFound
	}
	out, err := n.addRule(ctx, g.User().ID, r)
	return out, n.record(ctx, g.Principal().String(), g.User().ID, r.CameraID, "notify-rule-add", "rule "+string(out.ID), err)
}

// AddRuleFor adds a rule for user u (admin CLI); the camera check is the
// same: the admin cannot subscribe anyone to a camera they may not see.
func (n *Notifications) AddRuleFor(ctx context.Context, u UserID, r NotifyRule) (NotifyRule, error) {
	out, err := n.addRule(ctx, u, r)
	return out, n.record(ctx, cliPrincipal, u, r.CameraID, "notify-rule-add", "rule "+string(out.ID), err)
}

// addRule checks the rule and asks the policy, as the user, whether they
// may see its camera now; a camera they may not see answers ErrNotFound
// like any other. Storage-low is for admins only.
func (n *Notifications) addRule(ctx context.Context, u UserID, r NotifyRule) (NotifyRule, error) {
	r.UserID, r.ID, r.CreatedAt = u, NotifyRuleID(randomID()), n.now()
	if err := ValidateNotifyRule(r); err != nil {
		return NotifyRule{}, err
	}
	if r.CameraID != "" {
		if _, err := n.policy.NotifyCamera(ctx, u, ActionViewCamera, r.CameraID); err != nil {
			return NotifyRule{}, err
		}
	}
	for _, k := range r.Kinds {
		if k.AdminOnly() {
			if _, err := n.policy.NotifyAdmin(ctx, u); err != nil {
				return NotifyRule{}, Errorf("add rule", KindInvalid, "only the appliance admin can be told about %s", k)
			}
		}
	}
	return n.store.CreateNotifyRule(ctx, r)
}

// RemoveRule removes one of the granted user's rules.
func (n *Notifications) RemoveRule(ctx context.Context, g UserGrant, id NotifyRuleID) error {
	if !g.Valid() {
		return ErrNotFound
	}
	err := n.store.DeleteNotifyRule(ctx, g.User().ID, id)
	return n.record(ctx, g.Principal().String(), g.User().ID, "", "notify-rule-remove", "rule "+string(id), err)
}

// RemoveRuleFor removes one of user u's rules (admin CLI).
func (n *Notifications) RemoveRuleFor(ctx context.Context, u UserID, id NotifyRuleID) error {
	err := n.store.DeleteNotifyRule(ctx, u, id)
	return n.record(ctx, cliPrincipal, u, "", "notify-rule-remove", "rule "+string(id), err)
}

// cliPrincipal names the admin's command line in the audit log.
const cliPrincipal = "cli"

// channelDetail names a channel in the audit log by kind and ID: never its
// target (a webhook URL often holds a token) or its secret.
func channelDetail(saved, asked NotifyChannel) string {
	d := string(asked.Kind) + " channel"
	if saved.ID != "" {
		d += " " + string(saved.ID)
	}
	if saved.LocalOK {
		d += " (may reach this appliance)"
	}
	return d
}

// record writes the audit row of one settings change, whatever its
// outcome; a change whose row cannot be written is reported as failed. A
// refusal for a camera the user may not see is recorded without the camera.
func (n *Notifications) record(ctx context.Context, principal string, u UserID, cam CameraID, action, detail string, err error) error {
	result := "ok"
	if err != nil {
		result, cam = "failed", ""
	}
	e := AuditEntry{At: n.now(), UserID: u, Principal: principal, CameraID: cam, Action: action, Result: result, Detail: detail}
	if aerr := n.store.AppendAudit(ctx, e); aerr != nil && err == nil {
		return Wrap("record "+action, aerr)
	}
	return err
}
