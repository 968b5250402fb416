package simcam

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The device's events service: WS-BaseNotification pull points, as
// cameras offer them to recorders behind NAT. Bounded everywhere: at most
// maxSubscriptions live pull points, each holding at most maxQueued
// messages (the oldest dropped), each PullMessages waiting at most
// maxPullWait.
const (
	maxSubscriptions = 16
	maxQueued        = 64
	maxPullWait      = 10 * time.Second
	defaultTermTime  = time.Minute
	maxTermTime      = 10 * time.Minute
)

// ONVIFEvent is one notification the device raises.
type ONVIFEvent struct {
	// Topic is the concrete topic, e.g. "tns1:RuleEngine/MyRuleDetector/PeopleDetect".
	Topic string
	// Source and Data are the message's simple items; Data usually holds
	// the state ("State": "true").
	Source, Data map[string]string
	// Time is the event's UTC time (default: the device's clock).
	Time time.Time
}

// PersonTopic is the topic of simcam's scripted person detection, as
// several vendors' firmware raise it.
const PersonTopic = "tns1:RuleEngine/MyRuleDetector/PeopleDetect"

type subscription struct {
	id       string
	expires  time.Time
	queue    []ONVIFEvent
	wake     chan struct{} // cap 1: a message arrived
	finished bool
	// consumer is a base subscription's consumer address ("" for a pull
	// point); its pusher ends when stop is closed (the subscription left
	// subs) and closes done.
	consumer   string
	stop, done chan struct{}
}

type pullPoints struct {
	mu     sync.Mutex
	subs   map[string]*subscription
	made   int  // subscriptions ever made, pull and push
	closed bool // run has ended: no pusher starts
}

// EmitONVIFEvent raises ev on every live pull point of the device (no-op
// without ONVIF).
func (s *Server) EmitONVIFEvent(ev ONVIFEvent) {
	if s.onvif == nil {
		return
	}
	d := s.onvif
	if ev.Time.IsZero() {
		ev.Time = d.now()
	}
	d.pp.mu.Lock()
	defer d.pp.mu.Unlock()
	for _, sub := range d.pp.subs {
		if len(sub.queue) == maxQueued {
			sub.queue = sub.queue[1:]
		}
		sub.queue = append(sub.queue, ev)
		select {
		case sub.wake <- struct{}{}:
		default:
		}
	}
}

// ONVIFSubscriptions returns how many subscriptions (pull points and
// base subscriptions) are live.
func (s *Server) ONVIFSubscriptions() int {
	if s.onvif == nil {
		return 0
	}
	d := s.onvif
	d.pp.mu.Lock()
	defer d.pp.mu.Unlock()
	d.pruneLocked()
	return len(d.pp.subs)
}

// ONVIFSubscriptionsMade returns how many event subscriptions (pull
// points and base subscriptions) the device has ever made: a client that
// renews keeps one; one that lets them lapse makes more.
func (s *Server) ONVIFSubscriptionsMade() int {
	if s.onvif == nil {
		return 0
	}
	d := s.onvif
	d.pp.mu.Lock()
	defer d.pp.mu.Unlock()
	return d.pp.made
}

// script raises the scripted person event: present, then gone, each
// PersonEvery, until ctx ends.
func (d *onvifDevice) script(ctx context.Context) {
	if d.cfg.PersonEvery <= 0 {
		return
	}
	t := time.NewTicker(d.cfg.PersonEvery)
	defer t.Stop()
	present := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			present = !present
			d.s.EmitONVIFEvent(ONVIFEvent{Topic: PersonTopic,
				Source: map[string]string{"VideoSourceConfigurationToken": "vsc_1", "Rule": "PeopleRule"},
				Data:   map[string]string{"State": strconv.FormatBool(present)}})
		}
	}
}

func (d *onvifDevice) pruneLocked() {
	now := d.now()
	for id, sub := range d.pp.subs {
		if sub.finished || now.After(sub.expires) {
			d.dropLocked(id)
		}
	}
}

// parseISODuration reads the xs:duration forms cameras use (PnDTnHnMnS,
// fractions of seconds allowed); ok is false for anything else.
func parseISODuration(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, "P")
	if !ok || rest == "" {
		return 0, false
	}
	var total time.Duration
	inTime := false
	for rest != "" {
		if rest[0] == 'T' {
			inTime, rest = true, rest[1:]
			continue
		}
		i := strings.IndexAny(rest, "DHMS")
		if i <= 0 {
			return 0, false
		}
		v, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil || v < 0 || v > 1e6 {
			return 0, false
		}
		unit := map[byte]time.Duration{'D': 24 * time.Hour, 'H': time.Hour, 'M': time.Minute, 'S': time.Second}[rest[i]]
		if rest[i] == 'D' && inTime || rest[i] != 'D' && !inTime {
			return 0, false
		}
		total += time.Duration(v * float64(unit))
		rest = rest[i+1:]
	}
	return total, true
}

func newSubID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// createPullPoint answers CreatePullPointSubscription.
func (d *onvifDevice) createPullPoint(w http.ResponseWriter, host, initial string) {
	term := defaultTermTime
	if v, ok := parseISODuration(initial); ok && v > 0 {
		term = min(v, maxTermTime)
	}
	now := d.now()
	d.pp.mu.Lock()
	d.pruneLocked()
	if len(d.pp.subs) >= maxSubscriptions {
		d.pp.mu.Unlock()
		d.fault(w, http.StatusBadRequest, "env:Receiver", "ter:Action", "too many subscriptions")
		return
	}
	sub := &subscription{id: newSubID(), expires: now.Add(term), wake: make(chan struct{}, 1), stop: make(chan struct{})}
	d.pp.subs[sub.id] = sub
	d.pp.made++
	d.pp.mu.Unlock()
	writeSOAP(w, http.StatusOK, `<tev:CreatePullPointSubscriptionResponse><tev:SubscriptionReference><wsa5:Address>http://`+esc(host)+
		`/onvif/pullpoint/`+sub.id+`</wsa5:Address></tev:SubscriptionReference><wsnt:CurrentTime>`+isoTime(now)+
		`</wsnt:CurrentTime><wsnt:TerminationTime>`+isoTime(sub.expires)+`</wsnt:TerminationTime></tev:CreatePullPointSubscriptionResponse>`)
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func (d *onvifDevice) subscription(id string) *subscription {
	d.pp.mu.Lock()
	defer d.pp.mu.Unlock()
	d.pruneLocked()
	return d.pp.subs[id]
}

// pull answers PullMessages: what is queued, else whatever arrives
// within the asked timeout (at most maxPullWait), else nothing.
func (d *onvifDevice) pull(w http.ResponseWriter, r *http.Request, id, timeout, limit string) {
	sub := d.subscription(id)
	if sub == nil || sub.consumer != "" {
		d.fault(w, http.StatusBadRequest, "env:Sender", "ter:InvalidArgVal", "no such pull point")
		return
	}
	wait, ok := parseISODuration(timeout)
	if !ok {
		wait = maxPullWait
	}
	wait = min(wait, maxPullWait)
	n, err := strconv.Atoi(strings.TrimSpace(limit))
	if err != nil || n < 1 {
		n = 10
	}
	n = min(n, maxQueued)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	var msgs []ONVIFEvent
	for i := range 2 { // once now, once after a wake-up or the timeout
		d.pp.mu.Lock()
		k := min(n, len(sub.queue))
		msgs = append(msgs, sub.queue[:k]...)
		sub.queue = sub.queue[k:]
		d.pp.mu.Unlock()
		if len(msgs) > 0 || i == 1 {
			break // the second look answers, even with nothing
		}
		select {
		case <-sub.wake:
		case <-timer.C:
		case <-r.Context().Done():
			return
		}
	}
	now := d.now()
	var b strings.Builder
	b.WriteString(`<tev:PullMessagesResponse><tev:CurrentTime>` + isoTime(now) + `</tev:CurrentTime><tev:TerminationTime>` + isoTime(sub.expires) + `</tev:TerminationTime>`)
	writeMessages(&b, msgs)
	b.WriteString(`</tev:PullMessagesResponse>`)
	writeSOAP(w, http.StatusOK, b.String())
}

// writeMessages writes msgs as wsnt:NotificationMessage elements, as
// PullMessages answers them and Notify carries them.
func writeMessages(b *strings.Builder, msgs []ONVIFEvent) {
	for _, m := range msgs {
		b.WriteString(`<wsnt:NotificationMessage><wsnt:Topic Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">` + esc(m.Topic) +
			`</wsnt:Topic><wsnt:Message><tt:Message UtcTime="` + isoTime(m.Time) + `" PropertyOperation="Changed"><tt:Source>`)
		writeItems(b, m.Source)
		b.WriteString(`</tt:Source><tt:Data>`)
		writeItems(b, m.Data)
		b.WriteString(`</tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage>`)
	}
}

func writeItems(b *strings.Builder, items map[string]string) {
	keys := make([]string, 0, len(items))
	for k := range items {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the same answer every time
	for _, k := range keys {
		b.WriteString(`<tt:SimpleItem Name="` + esc(k) + `" Value="` + esc(items[k]) + `"/>`)
	}
}

// renew answers Renew: the subscription lives term longer.
func (d *onvifDevice) renew(w http.ResponseWriter, id, term string) {
	v, ok := parseISODuration(term)
	if !ok || v <= 0 {
		v = defaultTermTime
	}
	now := d.now()
	d.pp.mu.Lock()
	d.pruneLocked()
	sub := d.pp.subs[id]
	if sub != nil {
		sub.expires = now.Add(min(v, maxTermTime))
	}
	d.pp.mu.Unlock()
	if sub == nil {
		d.fault(w, http.StatusBadRequest, "env:Sender", "ter:InvalidArgVal", "no such subscription")
		return
	}
	writeSOAP(w, http.StatusOK, `<wsnt:RenewResponse><wsnt:TerminationTime>`+isoTime(sub.expires)+`</wsnt:TerminationTime><wsnt:CurrentTime>`+
		isoTime(now)+`</wsnt:CurrentTime></wsnt:RenewResponse>`)
}

// unsubscribe answers Unsubscribe. For a base subscription it answers
// once its pusher has ended: after the answer nothing more is sent.
func (d *onvifDevice) unsubscribe(w http.ResponseWriter, id string) {
	d.pp.mu.Lock()
	sub := d.pp.subs[id]
	if sub != nil {
		d.dropLocked(id)
	}
	d.pp.mu.Unlock()
	if sub == nil {
		d.fault(w, http.StatusBadRequest, "env:Sender", "ter:InvalidArgVal", "no such subscription")
		return
	}
	if sub.done != nil {
		select {
		case <-sub.done:
		case <-time.After(pushTimeout + time.Second): // bounded: a POST in flight times out
		}
	}
	writeSOAP(w, http.StatusOK, `<wsnt:UnsubscribeResponse/>`)
}

// dropLocked ends subscription id: out of subs, its pusher (if any) told.
func (d *onvifDevice) dropLocked(id string) {
	sub := d.pp.subs[id]
	sub.finished = true
	delete(d.pp.subs, id)
	close(sub.stop)
}
