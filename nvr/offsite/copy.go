package offsite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path"
	"time"

	"filippo.io/age"

	"github.com/hearthnvr/hearth/nvr"
)

// copyRound sends up to fragmentsPerRound of p's fragments and its index.
func (c *Copier) copyRound(ctx context.Context, p *pendingSeg) {
	hid := p.n.Household
	conf, err := c.cfg.Targets.OffsiteTarget(ctx, hid)
	if errors.Is(err, nvr.ErrNotFound) {
		// No target (removed, or never set): nothing to do.
		c.forget(p.n.Segment.ID)
		return
	}
	if err != nil {
		c.failed(hid, fmt.Errorf("read target: %w", err))
		return
	}
	if !p.n.Segment.Event && !conf.Continuous && !p.eventFootage {
		if !c.holdsEvent(ctx, p) {
			return
		}
	}
	t, err := c.target(ctx, hid, conf)
	if err != nil {
		c.failed(hid, err)
		return
	}
	// target may have started the segment over (a new place): take its
	// progress now.
	c.mu.Lock()
	if q := c.pending[p.n.Segment.ID]; q != nil {
		p.sent, p.indexed, p.sentInit, p.closedIndexed, p.resume = q.sent, q.indexed, q.sentInit, q.closedIndexed, q.resume
	}
	c.mu.Unlock()
	rcpt, err := parseRecipient(conf.Recipient)
	if err != nil {
		c.failed(hid, err)
		return
	}
	sent, indexed, sentInit, err := c.send(ctx, t, rcpt, p)
	c.mu.Lock()
	if q := c.pending[p.n.Segment.ID]; q != nil {
		q.sent, q.indexed, q.sentInit = sent, indexed, sentInit
		q.resume = q.resume && sent == 0
		q.closedIndexed = err == nil && p.n.Closed && sent == len(p.n.Fragments)
	}
	h := c.home(hid)
	if err == nil {
		h.Error, h.fails, h.nextTry = "", 0, time.Time{}
		// The catch-up copies older footage after newer: the figure
		// stays the newest footage copied.
		if sent > 0 {
			if end := p.n.Fragments[sent-1].End(); end.After(h.LastCopied) {
				h.LastCopied = end
			}
			h.LastCopiedAt = c.cfg.Now()
		}
	}
	c.mu.Unlock()
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && ctx.Err() == nil {
			// The local file is gone (retention deleted it before it
			// could be copied): nothing left to send.
			c.cfg.Log.Warn("off-site copy: local segment gone", "segment", p.n.Segment.ID)
			c.forget(p.n.Segment.ID)
			return
		}
		c.failed(hid, err)
	}
}

// send writes the init, fragments and the index; it returns the progress
// made, even on error.
func (c *Copier) send(ctx context.Context, t Target, r age.Recipient, p *pendingSeg) (sent, indexed int, sentInit bool, err error) {
	sent, indexed, sentInit = p.sent, p.indexed, p.sentInit
	f, err := os.Open(p.n.File)
	if err != nil {
		return sent, indexed, sentInit, fmt.Errorf("open local segment: %w", err)
	}
	defer f.Close()
	dir := segmentDir(p.n.Segment.Path)
	if p.resume && sent == 0 {
		// What an earlier run copied is whole on the target (rename):
		// skip the init and the fragments already there, in order.
		has, err := c.has(ctx, t, path.Join(dir, initName))
		if err != nil {
			return sent, indexed, sentInit, err
		}
		sentInit = has
		for has && sent < len(p.n.Fragments) {
			if has, err = c.has(ctx, t, path.Join(dir, fragmentName(sent+1))); err != nil {
				return sent, indexed, sentInit, err
			}
			if has {
				sent++
			}
		}
	}
	if !sentInit {
		b, err := readAt(f, 0, p.n.Fragments[0].Offset)
		if err != nil {
			return sent, indexed, sentInit, err
		}
		if err := c.put(ctx, t, r, path.Join(dir, initName), b); err != nil {
			return sent, indexed, sentInit, err
		}
		sentInit = true
	}
	for i := 0; i < fragmentsPerRound && sent < len(p.n.Fragments); i++ {
		fr := p.n.Fragments[sent]
		b, err := readAt(f, fr.Offset, fr.Length)
		if err != nil {
			return sent, indexed, sentInit, err
		}
		if err := c.put(ctx, t, r, path.Join(dir, fragmentName(sent+1)), b); err != nil {
			return sent, indexed, sentInit, err
		}
		sent++
	}
	x := index{Camera: string(p.n.Segment.CameraID), Segment: path.Base(dir), Start: p.n.Segment.Start,
		Codec: p.n.Segment.Codec, Event: p.n.Segment.Event, Closed: p.n.Closed && sent == len(p.n.Fragments)}
	for i, fr := range p.n.Fragments[:sent] {
		x.Fragments = append(x.Fragments, indexFragment{N: i + 1, Start: fr.Start, Duration90k: fr.Duration90k, Key: fr.Key, Bytes: fr.Length})
	}
	b, err := encodeIndex(x)
	if err != nil {
		return sent, indexed, sentInit, err
	}
	if err := c.put(ctx, t, r, path.Join(dir, indexName), b); err != nil {
		return sent, indexed, sentInit, err
	}
	return sent, sent, sentInit, nil
}

// put seals plain to r and writes it as name, within OpTimeout plus the
// time its bytes take at minTargetRate: one worker serves every household,
// so a target that stops answering mid-write (a stalled NAS or link)
// must give the worker back to the others, not hold it until it returns.
func (c *Copier) put(ctx context.Context, t Target, r age.Recipient, name string, plain []byte) error {
	sealed, err := seal(r, plain)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.OpTimeout+time.Duration(len(sealed))*time.Second/minTargetRate)
	defer cancel()
	return withinDeadline(ctx, t.Put(ctx, name, sealed))
}

// has asks the target for name within OpTimeout (see put).
func (c *Copier) has(ctx context.Context, t Target, name string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.OpTimeout)
	defer cancel()
	ok, err := t.Has(ctx, name)
	return ok, withinDeadline(ctx, err)
}

// withinDeadline says so when err came of the operation's deadline (the
// SFTP connection closed under it), for the storage page.
func withinDeadline(ctx context.Context, err error) error {
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("the target stopped answering (no progress within the time allowed): %w", err)
	}
	return err
}

// readAt reads n bytes at off of the local segment (durable: the recorder
// reports fragments only after their fsync).
func readAt(f *os.File, off, n int64) ([]byte, error) {
	if off < 0 || n <= 0 || n > maxFileBytes {
		return nil, fmt.Errorf("local segment: bad range %d+%d", off, n)
	}
	b := make([]byte, n)
	if _, err := f.ReadAt(b, off); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("local segment shorter than its index: %w", err)
		}
		return nil, fmt.Errorf("read local segment: %w", err)
	}
	return b, nil
}

// target returns h's open target, reopening it when its settings changed.
// A target in a new place (or for a new key) starts every pending segment
// of h over there, looking first at what it holds (resume), so no segment
// on it lacks its init or its first fragments.
func (c *Copier) target(ctx context.Context, h nvr.HouseholdID, conf nvr.OffsiteTarget) (Target, error) {
	c.mu.Lock()
	s := c.home(h)
	t, old := s.target, s.conf
	if old.Kind != "" && !samePlace(old, conf) {
		for _, p := range c.pending {
			if p.n.Household == h {
				p.sent, p.indexed, p.sentInit, p.closedIndexed, p.resume = 0, 0, false, false, true
			}
		}
	}
	c.mu.Unlock()
	if t != nil && sameTarget(old, conf) {
		return t, nil
	}
	if t != nil {
		_ = t.Close()
	}
	t, err := c.cfg.Open(ctx, conf)
	if err != nil {
		return nil, fmt.Errorf("open target: %w", err)
	}
	c.mu.Lock()
	s.target, s.conf = t, conf
	c.mu.Unlock()
	return t, nil
}

// samePlace: the same files on the same target, for the same key.
func samePlace(a, b nvr.OffsiteTarget) bool {
	return a.Kind == b.Kind && a.Path == b.Path && a.SFTPAddr == b.SFTPAddr && a.SFTPUser == b.SFTPUser && a.Recipient == b.Recipient
}

func sameTarget(a, b nvr.OffsiteTarget) bool {
	return a.Kind == b.Kind && a.Path == b.Path && a.SFTPAddr == b.SFTPAddr && a.SFTPUser == b.SFTPUser &&
		a.SFTPHostKey == b.SFTPHostKey && a.SFTPKey.Reveal() == b.SFTPKey.Reveal()
}

// failed records err for h and pauses its copies (exponential backoff,
// full jitter); the open target is dropped so the next try reconnects.
func (c *Copier) failed(h nvr.HouseholdID, err error) {
	c.mu.Lock()
	s := c.home(h)
	s.fails++
	d := c.cfg.MinBackoff << min(s.fails-1, 16)
	d = min(d, c.cfg.MaxBackoff)
	d = c.cfg.MinBackoff/2 + time.Duration(rand.Int64N(int64(d)))
	s.nextTry = c.cfg.Now().Add(d)
	first := s.Error == ""
	s.Error = err.Error()
	t := s.target
	s.target = nil
	c.mu.Unlock()
	if t != nil {
		_ = t.Close()
	}
	if first {
		c.cfg.Log.Warn("off-site copy failed; retrying with backoff", "household", h, "err", err)
	}
}

func (c *Copier) forget(id nvr.SegmentID) {
	c.mu.Lock()
	c.unqueue(id)
	c.mu.Unlock()
}

func (c *Copier) closeTargets() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.homes {
		if s.target != nil {
			_ = s.target.Close()
			s.target = nil
		}
	}
}

// OpenTarget connects to t: a directory, or an SFTP server (pinning its
// host key through pin on first use).
func OpenTarget(ctx context.Context, t nvr.OffsiteTarget, pin PinFunc) (Target, error) {
	switch t.Kind {
	case nvr.OffsiteDir:
		return &DirTarget{Root: t.Path}, nil
	case nvr.OffsiteSFTP:
		return DialSFTP(ctx, t, pin)
	}
	return nil, fmt.Errorf("unknown target kind %q", t.Kind)
}
