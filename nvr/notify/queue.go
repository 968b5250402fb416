package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// job is one message for one channel, not yet decided.
type job struct {
	user    nvr.UserID
	channel nvr.NotifyChannelID
	seq     int64
	item    item
	thumb   bool
	queued  time.Time
}

// queue is one channel's bounded line of jobs and its worker.
type queue struct {
	jobs chan job
}

// enqueue puts j on its channel's queue, starting the channel's worker if
// it has none; a full queue drops j with a count and a log line.
func (s *Service) enqueue(j job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runCtx == nil || s.runCtx.Err() != nil {
		return
	}
	q := s.queues[j.seq]
	if q == nil {
		q = &queue{jobs: make(chan job, s.cfg.Queue)}
		s.queues[j.seq] = q
		s.wg.Add(1)
		go s.work(s.runCtx, j.seq, q)
	}
	select {
	case q.jobs <- j:
	default:
		s.dropped.Add(1)
		s.noteFailedLocked(j.seq, errors.New("too many messages at once; this one was dropped"))
		s.cfg.Log.Warn("notification queue full; dropped", "channel", string(j.channel), "kind", string(j.item.kind))
	}
}

// work sends one channel's jobs in order until ctx ends or the queue has
// been idle for a while; it removes its queue under the lock, so enqueue
// never hands a job to a worker that has gone.
func (s *Service) work(ctx context.Context, seq int64, q *queue) {
	defer s.wg.Done()
	idle := time.NewTimer(workerIdle)
	defer idle.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-q.jobs:
			s.deliver(ctx, j)
			idle.Reset(workerIdle)
		case <-idle.C:
			s.mu.Lock()
			if len(q.jobs) == 0 {
				delete(s.queues, seq)
				s.mu.Unlock()
				return
			}
			s.mu.Unlock()
			idle.Reset(workerIdle)
		}
	}
}

// errDenied: the policy (or the gone channel) said no at send time;
// errChannelGone is the second, wrapping it.
var (
	errDenied      = errors.New("not allowed at send time")
	errChannelGone = fmt.Errorf("channel removed: %w", errDenied)
)

// deliver makes the attempts of one job. Each attempt decides again: a
// retry after a revocation sends nothing.
func (s *Service) deliver(ctx context.Context, j job) {
	var err error
	for attempt := 1; attempt <= s.cfg.MaxAttempts; attempt++ {
		var ch nvr.NotifyChannel
		var m Message
		ch, m, err = s.decide(ctx, j)
		if errors.Is(err, errDenied) {
			if errors.Is(err, errChannelGone) {
				s.forgetDelivery(j.seq)
			}
			s.denied.Add(1)
			s.cfg.Log.Debug("notification not sent: not allowed now", "channel", string(j.channel), "kind", string(j.item.kind))
			return
		}
		if err == nil {
			snd := s.senders[ch.Kind]
			if snd == nil {
				err = permanent(errors.New("this channel kind cannot send from this build"))
			} else {
				err = snd.send(ctx, ch, m)
			}
		}
		if err == nil {
			s.sent.Add(1)
			s.noteSent(j.seq)
			s.cfg.Log.Info("notification sent", "channel", string(j.channel), "kind", string(j.item.kind),
				"camera", string(j.item.cam), "event", string(j.item.event), "attempt", attempt,
				"after", s.cfg.Now().Sub(j.queued).Round(time.Millisecond))
			return
		}
		if ctx.Err() != nil || isPermanent(err) || attempt == s.cfg.MaxAttempts {
			break
		}
		if !sleep(ctx, backoff(s.cfg.RetryBase, s.cfg.RetryCap, attempt)) {
			return
		}
	}
	if ctx.Err() != nil {
		return
	}
	s.failed.Add(1)
	s.noteFailed(j.seq, err)
	s.cfg.Log.Warn("notification failed; dropped", "channel", string(j.channel), "kind", string(j.item.kind), "err", err)
}

// decide is the send-time decision: the channel is read again (a deleted
// channel sends nothing), the policy makes the channel's recipient (the
// user, holding that channel, enabled) and is asked as it, and the message
// is built from what the grant returned.
func (s *Service) decide(ctx context.Context, j job) (nvr.NotifyChannel, Message, error) {
	ch, err := s.cfg.Store.NotifyChannel(ctx, j.user, j.channel)
	if err != nil {
		if nvr.ErrorKind(err) == nvr.KindNotFound {
			return nvr.NotifyChannel{}, Message{}, errChannelGone
		}
		return nvr.NotifyChannel{}, Message{}, err
	}
	var m Message
	var r nvr.Recipient
	r, err = s.cfg.Policy.Recipient(ctx, ch)
	switch {
	case err != nil:
	case j.item.event != "":
		m, err = s.decideEvent(ctx, j, r)
	case j.item.kind.AdminOnly():
		_, err = s.cfg.Policy.NotifyAdmin(ctx, r)
		m = Message{Kind: j.item.kind, At: j.item.at}
	default:
		var g nvr.CameraGrant
		g, err = s.cfg.Policy.NotifyCamera(ctx, r, nvr.ActionViewCamera, j.item.cam)
		m = Message{Kind: j.item.kind, CameraID: g.CameraID(), CameraName: g.Camera().Name, At: j.item.at}
	}
	if err != nil {
		if nvr.ErrorKind(err) == nvr.KindNotFound || nvr.ErrorKind(err) == nvr.KindUnauthorized {
			return nvr.NotifyChannel{}, Message{}, errDenied
		}
		return nvr.NotifyChannel{}, Message{}, err
	}
	return ch, compose(m, s.cfg.BaseURL, s.cfg.Location), nil
}

// decideEvent asks for a grant on the event as the recipient and reads the
// thumbnail through it, waiting (bounded by ThumbWait from the queueing)
// for the event's first thumbnail to be written; each look is a fresh
// decision.
func (s *Service) decideEvent(ctx context.Context, j job, r nvr.Recipient) (Message, error) {
	p := r.Principal()
	g, err := s.cfg.Events.Grant(ctx, p, nvr.ActionViewRecordings, j.item.event)
	if err != nil {
		return Message{}, err
	}
	for j.thumb && g.Event().ThumbType == "" && s.cfg.Now().Sub(j.queued) < s.cfg.ThumbWait {
		if !sleep(ctx, thumbPoll) {
			return Message{}, ctx.Err()
		}
		if g, err = s.cfg.Events.Grant(ctx, p, nvr.ActionViewRecordings, j.item.event); err != nil {
			return Message{}, err
		}
	}
	ev, cam := g.Event(), g.CameraGrant().Camera()
	m := Message{Kind: j.item.kind, CameraID: cam.ID, CameraName: cam.Name, EventID: ev.ID, Label: ev.Label, At: ev.Start}
	if j.thumb && ev.ThumbType == nvr.ThumbJPEG {
		m.Thumb = s.readThumb(g)
	}
	return m, nil
}

// readThumb reads the granted event's JPEG; a message goes without one
// rather than not at all when it cannot be read.
func (s *Service) readThumb(g nvr.EventGrant) []byte {
	f, ct, err := s.cfg.Events.Thumbnail(g)
	if err != nil {
		return nil
	}
	defer f.Close()
	if ct != nvr.ThumbJPEG {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(f, maxThumbBytes+1))
	if err != nil || len(b) > maxThumbBytes {
		return nil
	}
	return b
}

// backoff is exponential with full jitter: a random wait up to
// base·2^(attempt-1), capped.
func backoff(base, limit time.Duration, attempt int) time.Duration {
	d := base << min(attempt-1, 20)
	if d <= 0 || d > limit {
		d = limit
	}
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// permanentError is a failure a retry cannot mend (a 4xx answer, a bad
// address).
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return permanentError{err: err} }

func isPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
