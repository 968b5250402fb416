package notify

import "time"

// Delivery is what became of the last messages on one channel, so that a
// household sees on its settings page that its messages stopped arriving
// (a webhook that moved, an ntfy token revoked) instead of finding out
// from a missed doorbell. It is kept in memory: written to the index at
// every message it would cost the card a write per message, and after a
// restart "nothing yet" is true of this run.
type Delivery struct {
	// LastSent is when a message last reached the receiver; zero: none
	// since Hearth started.
	LastSent time.Time
	// LastFailed is when a message was last given up on (every attempt
	// failed, or it was dropped); zero: none.
	LastFailed time.Time
	// Failure says why, in the words Test uses (failureWords): what the
	// receiver answered or how the connection failed, never the target's
	// path or a secret.
	Failure string
}

// Failing reports whether the last message given up on is newer than the
// last one delivered.
func (d Delivery) Failing() bool { return !d.LastFailed.IsZero() && d.LastFailed.After(d.LastSent) }

// maxDeliveries bounds the record: channels are few per user, but a
// channel's entry outlives it until a message for it finds it gone.
const maxDeliveries = 4096

// LastDelivery returns the record of the channel with row number seq
// (nvr.NotifyChannel.Seq); the caller has already read that channel as its
// user's, so the record is shown only to whom the channel belongs.
func (s *Service) LastDelivery(seq int64) Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deliveries[seq]
}

// noteSent and noteFailed keep the record (noteFailedLocked with s.mu
// held); forgetDelivery drops a gone channel's.
func (s *Service) noteSent(seq int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noteLocked(seq, func(d *Delivery) { d.LastSent = s.cfg.Now() })
}

func (s *Service) noteFailed(seq int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noteFailedLocked(seq, err)
}

func (s *Service) noteFailedLocked(seq int64, err error) {
	why := failureWords(err)
	s.noteLocked(seq, func(d *Delivery) { d.LastFailed, d.Failure = s.cfg.Now(), why })
}

func (s *Service) noteLocked(seq int64, change func(*Delivery)) {
	d, ok := s.deliveries[seq]
	if !ok && len(s.deliveries) >= maxDeliveries {
		for k := range s.deliveries { // any one: a full record means channels churned, not one household's few
			delete(s.deliveries, k)
			break
		}
	}
	change(&d)
	s.deliveries[seq] = d
}

func (s *Service) forgetDelivery(seq int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.deliveries, seq)
}
