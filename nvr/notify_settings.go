package nvr

import (
	"context"
	"time"
)

// NotifyStore is the part of the database that holds notification
// channels and rules. Every read sees current committed state and never
// caches. Rows belong to one user: a method that takes a user and an ID
// answers KindNotFound for another user's row exactly as for a missing
// one. It writes only inside NotifyChange, so every settings change
// commits together with its audit row. Safe for concurrent use.
type NotifyStore interface {
	// NotifyChannels lists user u's channels, oldest first.
	NotifyChannels(ctx context.Context, u UserID) ([]NotifyChannel, error)
	// NotifyChannel reads one of u's channels.
	NotifyChannel(ctx context.Context, u UserID, id NotifyChannelID) (NotifyChannel, error)
	// NotifyRules lists user u's rules, oldest first.
	NotifyRules(ctx context.Context, u UserID) ([]NotifyRule, error)
	// NotifyRulesFor lists the rules that name camera cam or every
	// camera, of the users in cam's household now; cam "" lists the
	// every-camera rules of appliance admins. It is a list of candidates,
	// never a decision: each is put to the policy when its message is
	// sent.
	NotifyRulesFor(ctx context.Context, cam CameraID) ([]NotifyRule, error)

	// NotifyChange runs fn's writes and appends audit in one write
	// transaction: both commit, or neither does. When fn fails nothing is
	// written and its error is returned.
	NotifyChange(ctx context.Context, audit AuditEntry, fn func(w NotifyWriter) error) error
	// AppendAudit writes one row on its own: the record of a change that
	// failed, which wrote nothing.
	AppendAudit(ctx context.Context, e AuditEntry) error
}

// NotifyWriter is the settings' writes, handed out only by
// NotifyStore.NotifyChange. Errors as NotifyStore's.
type NotifyWriter interface {
	// CreateNotifyChannel stores c; KindNotFound for a missing user,
	// KindConflict when the user already has MaxNotifyChannels.
	CreateNotifyChannel(ctx context.Context, c NotifyChannel) (NotifyChannel, error)
	// DeleteNotifyChannel removes one of u's channels.
	DeleteNotifyChannel(ctx context.Context, u UserID, id NotifyChannelID) error
	// CreateNotifyRule stores r; KindNotFound for a missing user or
	// camera, KindConflict beyond MaxNotifyRules.
	CreateNotifyRule(ctx context.Context, r NotifyRule) (NotifyRule, error)
	// DeleteNotifyRule removes one of u's rules.
	DeleteNotifyRule(ctx context.Context, u UserID, id NotifyRuleID) error
}

// Notifications manages users' channels and rules. A user manages their
// own with a UserGrant; an appliance admin manages anyone's with an
// AdminGrant (the *For methods: the CLI's, under the local operator's
// grant). Every change commits with its audit row (NotifyStore.NotifyChange)
// and a refused or failed one leaves a row of its own. A rule's camera must
// be one the user may see when it is saved; it is decided again for every
// message. Safe for concurrent use.
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

// ChannelsFor lists user u's channels, as an appliance admin.
func (n *Notifications) ChannelsFor(ctx context.Context, g AdminGrant, u UserID) ([]NotifyChannel, error) {
	if !g.Valid() {
		return nil, ErrNotFound
	}
	return n.store.NotifyChannels(ctx, u)
}

// AddChannel adds a channel for the granted user. A user's own target may
// never reach this appliance (LocalOK is forced off).
func (n *Notifications) AddChannel(ctx context.Context, g UserGrant, c NotifyChannel) (NotifyChannel, error) {
	if !g.Valid() {
		return NotifyChannel{}, ErrNotFound
	}
	c.LocalOK = false
	return n.addChannel(ctx, g.Principal(), g.User().ID, c)
}

// AddChannelFor adds a channel for user u, as an appliance admin (the CLI,
// under the local operator's grant): c.LocalOK lets the target reach this
// appliance or the loopback.
func (n *Notifications) AddChannelFor(ctx context.Context, g AdminGrant, u UserID, c NotifyChannel) (NotifyChannel, error) {
	if !g.Valid() {
		return NotifyChannel{}, ErrNotFound
	}
	return n.addChannel(ctx, g.Principal(), u, c)
}

func (n *Notifications) addChannel(ctx context.Context, p Principal, u UserID, c NotifyChannel) (NotifyChannel, error) {
	c.UserID, c.ID, c.CreatedAt = u, NotifyChannelID(randomID()), n.now()
	a := settingsAudit{p: p, user: u, action: "notify-channel-add", detail: channelDetail(c, true), failed: channelDetail(c, false)}
	if err := ValidateNotifyChannel(ctx, c, n.lookup); err != nil {
		return NotifyChannel{}, n.refused(ctx, a, err)
	}
	var out NotifyChannel
	err := n.change(ctx, a, func(w NotifyWriter) error {
		var err error
		out, err = w.CreateNotifyChannel(ctx, c)
		return err
	})
	if err != nil {
		return NotifyChannel{}, err
	}
	return out, nil
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
	return n.removeChannel(ctx, g.Principal(), g.User().ID, id)
}

// RemoveChannelFor removes one of user u's channels, as an appliance admin.
func (n *Notifications) RemoveChannelFor(ctx context.Context, g AdminGrant, u UserID, id NotifyChannelID) error {
	if !g.Valid() {
		return ErrNotFound
	}
	return n.removeChannel(ctx, g.Principal(), u, id)
}

func (n *Notifications) removeChannel(ctx context.Context, p Principal, u UserID, id NotifyChannelID) error {
	d := "channel " + string(id)
	a := settingsAudit{p: p, user: u, action: "notify-channel-remove", detail: d, failed: d}
	return n.change(ctx, a, func(w NotifyWriter) error { return w.DeleteNotifyChannel(ctx, u, id) })
}

// Rules lists the granted user's rules.
func (n *Notifications) Rules(ctx context.Context, g UserGrant) ([]NotifyRule, error) {
	if !g.Valid() {
		return nil, ErrNotFound
	}
	return n.store.NotifyRules(ctx, g.User().ID)
}

// RulesFor lists user u's rules, as an appliance admin.
func (n *Notifications) RulesFor(ctx context.Context, g AdminGrant, u UserID) ([]NotifyRule, error) {
	if !g.Valid() {
		return nil, ErrNotFound
	}
	return n.store.NotifyRules(ctx, u)
}

// AddRule adds a rule for the granted user.
func (n *Notifications) AddRule(ctx context.Context, g UserGrant, r NotifyRule) (NotifyRule, error) {
	if !g.Valid() {
		return NotifyRule{}, ErrNotFound
	}
	return n.addRule(ctx, g.Principal(), g.User().ID, r)
}

// AddRuleFor adds a rule for user u, as an appliance admin; the camera
// check is the same: the admin cannot subscribe anyone to a camera they
// may not see.
func (n *Notifications) AddRuleFor(ctx context.Context, g AdminGrant, u UserID, r NotifyRule) (NotifyRule, error) {
	if !g.Valid() {
		return NotifyRule{}, ErrNotFound
	}
	return n.addRule(ctx, g.Principal(), u, r)
}

// addRule checks the rule and asks the policy, as the user, whether they
// may see its camera now; a camera they may not see answers ErrNotFound
// like any other. Storage-low is for admins only.
func (n *Notifications) addRule(ctx context.Context, p Principal, u UserID, r NotifyRule) (NotifyRule, error) {
	r.UserID, r.ID, r.CreatedAt = u, NotifyRuleID(randomID()), n.now()
	a := settingsAudit{p: p, user: u, cam: r.CameraID, action: "notify-rule-add", detail: "rule " + string(r.ID), failed: "rule"}
	if err := n.checkRule(ctx, u, r); err != nil {
		return NotifyRule{}, n.refused(ctx, a, err)
	}
	var out NotifyRule
	err := n.change(ctx, a, func(w NotifyWriter) error {
		var err error
		out, err = w.CreateNotifyRule(ctx, r)
		return err
	})
	if err != nil {
		return NotifyRule{}, err
	}
	return out, nil
}

func (n *Notifications) checkRule(ctx context.Context, u UserID, r NotifyRule) error {
	if err := ValidateNotifyRule(r); err != nil {
		return err
	}
	if r.CameraID != "" {
		if err := n.policy.userMaySee(ctx, u, ActionViewCamera, r.CameraID); err != nil {
			return err
		}
	}
	for _, k := range r.Kinds {
		if k.AdminOnly() {
			if !n.policy.userAdministers(ctx, u) {
				return Errorf("add rule", KindInvalid, "only the appliance admin can be told about %s", k)
			}
		}
	}
	return nil
}

// RemoveRule removes one of the granted user's rules.
func (n *Notifications) RemoveRule(ctx context.Context, g UserGrant, id NotifyRuleID) error {
	if !g.Valid() {
		return ErrNotFound
	}
	return n.removeRule(ctx, g.Principal(), g.User().ID, id)
}

// RemoveRuleFor removes one of user u's rules, as an appliance admin.
func (n *Notifications) RemoveRuleFor(ctx context.Context, g AdminGrant, u UserID, id NotifyRuleID) error {
	if !g.Valid() {
		return ErrNotFound
	}
	return n.removeRule(ctx, g.Principal(), u, id)
}

func (n *Notifications) removeRule(ctx context.Context, p Principal, u UserID, id NotifyRuleID) error {
	d := "rule " + string(id)
	a := settingsAudit{p: p, user: u, action: "notify-rule-remove", detail: d, failed: d}
	return n.change(ctx, a, func(w NotifyWriter) error { return w.DeleteNotifyRule(ctx, u, id) })
}

// channelDetail names a channel in the audit log by kind and, once it is
// saved, ID: never its target (a webhook URL often holds a token) or its
// secret.
func channelDetail(c NotifyChannel, saved bool) string {
	d := string(c.Kind) + " channel"
	if !saved {
		return d
	}
	d += " " + string(c.ID)
	if c.LocalOK {
		d += " (may reach this appliance)"
	}
	return d
}

// settingsAudit is what a settings change's audit row says: who (p) changed
// whose (user) settings, the camera of a rule, the action, and the detail
// of the change made or of the attempt that failed.
type settingsAudit struct {
	p              Principal
	user           UserID
	cam            CameraID
	action         string
	detail, failed string
}

func (a settingsAudit) entry(at time.Time, ok bool) AuditEntry {
	e := AuditEntry{At: at, UserID: a.user, Principal: a.p.String(), CameraID: a.cam, Action: a.action, Result: "ok", Detail: a.detail}
	if !ok {
		// A refusal for a camera the user may not see names no camera.
		e.Result, e.CameraID, e.Detail = "failed", "", a.failed
	}
	return e
}

// change makes one settings change: fn's writes and the change's audit row
// commit in one transaction, so no change is made whose row could not be
// written. A change that fails wrote nothing; its attempt is recorded on
// its own row, and its error is returned even if that row cannot be
// written.
func (n *Notifications) change(ctx context.Context, a settingsAudit, fn func(w NotifyWriter) error) error {
	err := n.store.NotifyChange(ctx, a.entry(n.now(), true), fn)
	if err == nil {
		return nil
	}
	_ = n.store.AppendAudit(ctx, a.entry(n.now(), false))
	return err
}

// refused records a change refused before it began (bad input, a camera
// the user may not see), so the audit log shows attempts as well as
// changes; it returns err.
func (n *Notifications) refused(ctx context.Context, a settingsAudit, err error) error {
	_ = n.store.AppendAudit(ctx, a.entry(n.now(), false))
	return err
}
