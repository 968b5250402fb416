package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/notify"
)

// Notification settings: each user manages their own channels and rules
// (a UserGrant). Changes need a browser session, like tokens: a channel
// decides where thumbnails go, so a view-scope API token cannot add one.
// Another user's channel or rule answers 404 like a missing one; a rule's
// camera is put to the policy as the user (404 for one they may not see).
// Secrets are write-only: answers say whether one is set, never what.

// Notifier is the running delivery engine (nvr/notify.Service): Test sends
// a test message on one of a user's channels now (its errors carry a
// message safe for the user); LastDelivery says what became of a channel's
// last messages, asked only for a channel already read as the user's.
type Notifier interface {
	Test(ctx context.Context, u nvr.UserID, id nvr.NotifyChannelID) error
	LastDelivery(seq int64) notify.Delivery
}

type notifyChannelResponse struct {
	ID        nvr.NotifyChannelID   `json:"id"`
	Kind      nvr.NotifyChannelKind `json:"kind"`
	Name      string                `json:"name"`
	Target    string                `json:"target"`
	SecretSet bool                  `json:"secret_set"`
	CreatedAt time.Time             `json:"created_at"`
	// What became of its last messages since Hearth started: when one
	// was last delivered, when one was last given up on and why.
	LastSent    *time.Time `json:"last_sent,omitempty"`
	LastFailed  *time.Time `json:"last_failed,omitempty"`
	LastFailure string     `json:"last_failure,omitempty"`
}

type notifyChannelRequest struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Target string `json:"target"`
	// Secret is the webhook's HMAC key or the ntfy access token; optional.
	Secret string `json:"secret"`
}

type notifyRuleResponse struct {
	ID              nvr.NotifyRuleID `json:"id"`
	Camera          nvr.CameraID     `json:"camera,omitempty"` // absent: every camera the user may see
	Kinds           []nvr.NotifyKind `json:"kinds"`
	Labels          []string         `json:"labels"`
	QuietStart      string           `json:"quiet_start,omitempty"` // "HH:MM", local time
	QuietEnd        string           `json:"quiet_end,omitempty"`
	CooldownSeconds int              `json:"cooldown_seconds"`
	Thumbnail       bool             `json:"thumbnail"`
	CreatedAt       time.Time        `json:"created_at"`
}

type notifyRuleRequest struct {
	Camera          string   `json:"camera"`
	Kinds           []string `json:"kinds"`
	Labels          []string `json:"labels"`
	QuietStart      string   `json:"quiet_start"`
	QuietEnd        string   `json:"quiet_end"`
	CooldownSeconds int      `json:"cooldown_seconds"`
	Thumbnail       *bool    `json:"thumbnail"` // absent: true
}

func channelOf(c nvr.NotifyChannel, d notify.Delivery) notifyChannelResponse {
	out := notifyChannelResponse{ID: c.ID, Kind: c.Kind, Name: c.Name, Target: shownTarget(c), SecretSet: c.Secret.IsSet(),
		CreatedAt: c.CreatedAt.UTC()}
	if !d.LastSent.IsZero() {
		t := d.LastSent.UTC()
		out.LastSent = &t
	}
	if !d.LastFailed.IsZero() {
		t := d.LastFailed.UTC()
		out.LastFailed, out.LastFailure = &t, d.Failure
	}
	return out
}

// lastDelivery is channel c's record, or none when notifications are not
// running (the page then says nothing about deliveries).
func (s *Server) lastDelivery(c nvr.NotifyChannel) notify.Delivery {
	if s.notifier == nil {
		return notify.Delivery{}
	}
	return s.notifier.LastDelivery(c.Seq)
}

// shownTarget is a channel's target as pages and API answers show it. A
// URL's path and query are often the secret itself (an ntfy topic, a
// webhook's token, a push endpoint), so only its scheme and host are
// shown: with the channel's name that tells channels apart, and a screen
// or a proxy's log of the page gives nobody the topic. An e-mail address
// is shown whole.
func shownTarget(c nvr.NotifyChannel) string {
	if c.Kind == nvr.ChannelEmail {
		return c.Target
	}
	u, err := url.Parse(c.Target)
	if err != nil || u.Host == "" {
		return "…"
	}
	if (u.Path == "" || u.Path == "/") && u.RawQuery == "" {
		return u.Scheme + "://" + u.Host
	}
	return u.Scheme + "://" + u.Host + "/…"
}

func ruleOf(r nvr.NotifyRule) notifyRuleResponse {
	out := notifyRuleResponse{ID: r.ID, Camera: r.CameraID, Kinds: r.Kinds, Labels: r.Labels,
		CooldownSeconds: int(r.Cooldown / time.Second), Thumbnail: r.Thumbnail, CreatedAt: r.CreatedAt.UTC()}
	if out.Labels == nil {
		out.Labels = []string{}
	}
	if r.QuietStart != r.QuietEnd {
		out.QuietStart, out.QuietEnd = minutesClock(r.QuietStart), minutesClock(r.QuietEnd)
	}
	return out
}

func minutesClock(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// parseClock reads "HH:MM" as minutes after midnight.
func parseClock(field, s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, errInvalid("%s must be a time of day, HH:MM", field)
	}
	return t.Hour()*60 + t.Minute(), nil
}

func (s *Server) notificationsOff(w http.ResponseWriter, r *http.Request) bool {
	if s.notes == nil {
		s.writeError(w, r, nvr.ErrNotFound)
		return true
	}
	return false
}

func (s *Server) handleNotifyChannels(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	if s.notificationsOff(w, r) {
		return
	}
	chs, err := s.notes.Channels(r.Context(), g)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]notifyChannelResponse, 0, len(chs))
	for _, c := range chs {
		out = append(out, channelOf(c, s.lastDelivery(c)))
	}
	writeJSON(w, http.StatusOK, map[string]any{"channels": out})
}

// emailNotSetUp answers an e-mail channel on an appliance without a mail
// relay: added anyway, it would only fail at every message.
const emailNotSetUp = "e-mail is not set up on this appliance: its admin first gives Hearth a mail relay (hearth serve --smtp-addr)"

func (s *Server) handleAddNotifyChannel(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	if s.notificationsOff(w, r) {
		return
	}
	var req notifyChannelRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := requireSession(g); err != nil {
		s.writeError(w, r, err)
		return
	}
	kind, err := nvr.ParseNotifyChannelKind(req.Kind)
	switch {
	case err != nil:
	case kind == nvr.ChannelWebPush:
		err = errInvalid("a web push channel is made by the browser: use \"Notify this device\" on the Notifications page")
	case kind == nvr.ChannelEmail && !s.email:
		err = errInvalid(emailNotSetUp)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.notes.AddChannel(r.Context(), g, nvr.NotifyChannel{Kind: kind, Name: req.Name, Target: req.Target,
		Secret: nvr.NewSecret(req.Secret)})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, channelOf(c, notify.Delivery{}))
}

func (s *Server) handleRemoveNotifyChannel(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	if s.notificationsOff(w, r) {
		return
	}
	id, err := nvr.ParseNotifyChannelID(r.PathValue("chid"))
	if err == nil {
		err = requireSession(g)
	}
	if err == nil {
		err = s.notes.RemoveChannel(r.Context(), g, id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleTestNotifyChannel sends a test message now and answers 204, or
// 502 with what the receiver said.
func (s *Server) handleTestNotifyChannel(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	if s.notificationsOff(w, r) {
		return
	}
	id, err := nvr.ParseNotifyChannelID(r.PathValue("chid"))
	if err == nil {
		err = requireSession(g)
	}
	if err == nil {
		// The channel must be the caller's: read through their grant first.
		_, err = s.notes.Channel(r.Context(), g, id)
	}
	if err == nil && s.notifier == nil {
		err = nvr.Errorf("test channel", nvr.KindUnavailable, "notifications are not running")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.notifier.Test(r.Context(), g.User().ID, id); err != nil {
		if nvr.ErrorKind(err) == nvr.KindUnavailable {
			writeJSON(w, http.StatusBadGateway, errorBody{Error: "the test message was not delivered: " + nvr.ErrorMessage(err)})
			return
		}
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type webPushRequest struct {
	Name         string                  `json:"name"`
	Subscription notify.PushSubscription `json:"subscription"`
}

// handleWebPushKey answers the appliance's VAPID public key, the
// applicationServerKey a browser subscribes with.
func (s *Server) handleWebPushKey(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	if s.notificationsOff(w, r) {
		return
	}
	if s.vapidKey == "" {
		s.writeError(w, r, nvr.ErrNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"public_key": s.vapidKey})
}

// handleAddWebPush stores a browser's push subscription as one of the
// caller's channels: the endpoint is the target (held to the same SSRF
// rule, https only), the keys the write-only secret.
func (s *Server) handleAddWebPush(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	if s.notificationsOff(w, r) {
		return
	}
	var req webPushRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := requireSession(g); err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.vapidKey == "" {
		s.writeError(w, r, nvr.ErrNotFound)
		return
	}
	if _, _, err := notify.ParsePushKeys(req.Subscription.Keys); err != nil {
		s.writeError(w, r, errInvalid("subscription keys: %s", err.Error()))
		return
	}
	keys, err := json.Marshal(req.Subscription.Keys)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.notes.AddChannel(r.Context(), g, nvr.NotifyChannel{Kind: nvr.ChannelWebPush, Name: req.Name,
		Target: req.Subscription.Endpoint, Secret: nvr.NewSecret(string(keys))})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, channelOf(c, notify.Delivery{}))
}

func (s *Server) handleNotifyRules(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	if s.notificationsOff(w, r) {
		return
	}
	rules, err := s.notes.Rules(r.Context(), g)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]notifyRuleResponse, 0, len(rules))
	for _, rule := range rules {
		out = append(out, ruleOf(rule))
	}
	writeJSON(w, http.StatusOK, map[string]any{"rules": out})
}

func (s *Server) handleAddNotifyRule(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	if s.notificationsOff(w, r) {
		return
	}
	var req notifyRuleRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := requireSession(g); err != nil {
		s.writeError(w, r, err)
		return
	}
	rule, err := ruleFromRequest(req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	saved, err := s.notes.AddRule(r.Context(), g, rule)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, ruleOf(saved))
}

func ruleFromRequest(req notifyRuleRequest) (nvr.NotifyRule, error) {
	rule := nvr.NotifyRule{Labels: req.Labels, Thumbnail: req.Thumbnail == nil || *req.Thumbnail}
	if req.Camera != "" {
		id, err := nvr.ParseCameraID(req.Camera)
		if err != nil {
			return rule, err // 404, as for a camera the caller may not see
		}
		rule.CameraID = id
	}
	if len(req.Kinds) == 0 {
		// Said in the form's words too: the boxes are all a person sees.
		return rule, errInvalid("a rule needs at least one kind: tick one under \"Tell me about\"")
	}
	for _, k := range req.Kinds {
		nk, err := nvr.ParseNotifyKind(k)
		if err != nil {
			return rule, err
		}
		rule.Kinds = append(rule.Kinds, nk)
	}
	if (req.QuietStart == "") != (req.QuietEnd == "") {
		return rule, errInvalid("quiet hours need both a start and an end (Quiet from and Quiet until; quiet_start and quiet_end go together)")
	}
	if req.QuietStart != "" {
		var err error
		if rule.QuietStart, err = parseClock("quiet_start", req.QuietStart); err != nil {
			return rule, err
		}
		if rule.QuietEnd, err = parseClock("quiet_end", req.QuietEnd); err != nil {
			return rule, err
		}
	}
	if req.CooldownSeconds < 0 || req.CooldownSeconds > int(nvr.MaxNotifyCooldown/time.Second) {
		return rule, errInvalid("cooldown_seconds must be 0 to 86400")
	}
	rule.Cooldown = time.Duration(req.CooldownSeconds) * time.Second
	return rule, nil
}

func (s *Server) handleRemoveNotifyRule(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	if s.notificationsOff(w, r) {
		return
	}
	id, err := nvr.ParseNotifyRuleID(r.PathValue("ruleid"))
	if err == nil {
		err = requireSession(g)
	}
	if err == nil {
		err = s.notes.RemoveRule(r.Context(), g, id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
