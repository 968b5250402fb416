package notify

import (
	"context"

	"github.com/hearthnvr/hearth/nvr"
)

// Test sends a test message on user u's channel id now, in the caller's
// goroutine, in one attempt, so the person pressing Test sees the
// outcome. The user must still be an enabled user; the message names no
// camera. The error says what the receiver answered, never the target or
// the secret.
func (s *Service) Test(ctx context.Context, u nvr.UserID, id nvr.NotifyChannelID) error {
	ch, err := s.cfg.Store.NotifyChannel(ctx, u, id)
	if err != nil {
		return err
	}
	if _, err := s.cfg.Policy.Recipient(ctx, ch); err != nil {
		return nvr.ErrNotFound
	}
	snd := s.senders[ch.Kind]
	if snd == nil {
		return nvr.Errorf("test channel", nvr.KindInvalid, "this channel kind cannot send from this build")
	}
	m := compose(Message{Kind: KindTest, At: s.cfg.Now()}, s.cfg.BaseURL, s.cfg.Location)
	// A test is a message like any other on the channel's record: after a
	// fix, a test that arrives clears the page's "not delivered".
	if err := snd.send(ctx, ch, m); err != nil {
		s.noteFailed(ch.Seq, err)
		return nvr.Errorf("test channel", nvr.KindUnavailable, "%s", failureWords(err))
	}
	s.noteSent(ch.Seq)
	return nil
}
