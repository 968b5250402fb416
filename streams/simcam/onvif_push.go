package simcam

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Base notification (WS-BaseNotification "push"): a recorder names a
// consumer address in wsnt:Subscribe, and the device POSTs wsnt:Notify
// there with what it would have queued on a pull point. One pusher
// goroutine per subscription, under run's context, ends when the
// subscription does (Unsubscribe, or its termination time passing
// without a Renew). Bounded like the pull points: at most
// maxSubscriptions in all, at most maxQueued messages waiting each, one
// POST at a time, each within pushTimeout.
const (
	pushTimeout = 5 * time.Second
	// pushCheck is how often a quiet pusher looks at its termination time.
	pushCheck = 200 * time.Millisecond
)

// subscribe answers wsnt:Subscribe and starts the subscription's pusher.
func (d *onvifDevice) subscribe(w http.ResponseWriter, host, consumer, initial string) {
	consumer = strings.TrimSpace(consumer)
	u, err := url.Parse(consumer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(consumer) > 2048 {
		d.fault(w, http.StatusBadRequest, "env:Sender", "ter:InvalidArgVal", "consumer address: want an http or https URL")
		return
	}
	term := defaultTermTime
	if v, ok := parseISODuration(initial); ok && v > 0 {
		term = min(v, maxTermTime)
	}
	now := d.now()
	d.pp.mu.Lock()
	d.pruneLocked()
	if d.pp.closed || len(d.pp.subs) >= maxSubscriptions {
		d.pp.mu.Unlock()
		d.fault(w, http.StatusBadRequest, "env:Receiver", "ter:Action", "too many subscriptions")
		return
	}
	sub := &subscription{id: newSubID(), expires: now.Add(term), wake: make(chan struct{}, 1), consumer: consumer,
		stop: make(chan struct{}), done: make(chan struct{})}
	d.pp.subs[sub.id] = sub
	d.pp.made++
	d.pushers.Go(func() { d.push(d.ctx, sub, "http://"+host+"/onvif/subscription/"+sub.id) })
	d.pp.mu.Unlock()
	writeSOAP(w, http.StatusOK, `<wsnt:SubscribeResponse><wsnt:SubscriptionReference><wsa5:Address>http://`+esc(host)+
		`/onvif/subscription/`+sub.id+`</wsa5:Address></wsnt:SubscriptionReference><wsnt:CurrentTime>`+isoTime(now)+
		`</wsnt:CurrentTime><wsnt:TerminationTime>`+isoTime(sub.expires)+`</wsnt:TerminationTime></wsnt:SubscribeResponse>`)
}

// push sends sub's messages to its consumer until the subscription ends
// or ctx does. A POST that fails loses its messages, as a camera's would.
func (d *onvifDevice) push(ctx context.Context, sub *subscription, manager string) {
	defer close(sub.done)
	hc := &http.Client{Timeout: pushTimeout,
		Transport:     &http.Transport{Proxy: nil, MaxIdleConns: 1, IdleConnTimeout: 30 * time.Second},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer hc.CloseIdleConnections()
	tick := time.NewTicker(pushCheck)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sub.stop:
			return
		case <-sub.wake:
		case <-tick.C:
		}
		d.pp.mu.Lock()
		d.pruneLocked() // a subscription past its termination time ends here
		msgs := sub.queue
		sub.queue = nil
		finished := sub.finished
		d.pp.mu.Unlock()
		if finished {
			return
		}
		if len(msgs) > 0 {
			d.notify(ctx, hc, sub.consumer, manager, msgs)
		}
	}
}

// notify POSTs one wsnt:Notify holding msgs.
func (d *onvifDevice) notify(ctx context.Context, hc *http.Client, consumer, manager string, msgs []ONVIFEvent) {
	var b strings.Builder
	b.WriteString(strings.Replace(soapOpen, `<env:Body>`, `<env:Header><wsa5:Action>http://docs.oasis-open.org/wsn/bw-2/NotificationConsumer/Notify</wsa5:Action>`+
		`<wsa5:To>`+esc(consumer)+`</wsa5:To></env:Header><env:Body>`, 1))
	b.WriteString(`<wsnt:Notify>`)
	var one strings.Builder
	for _, m := range msgs {
		one.Reset()
		writeMessages(&one, []ONVIFEvent{m})
		// Each message names the subscription it came from, as the
		// standard's NotificationMessage allows.
		b.WriteString(strings.Replace(one.String(), `<wsnt:NotificationMessage>`, `<wsnt:NotificationMessage><wsnt:SubscriptionReference><wsa5:Address>`+
			esc(manager)+`</wsa5:Address></wsnt:SubscriptionReference>`, 1))
	}
	b.WriteString(`</wsnt:Notify></env:Body></env:Envelope>`)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, consumer, bytes.NewReader([]byte(b.String())))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", `application/soap+xml; charset=utf-8; action="http://docs.oasis-open.org/wsn/bw-2/NotificationConsumer/Notify"`)
	resp, err := hc.Do(req)
	if err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}
