package rtsp

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync/atomic"

	"github.com/hearthnvr/hearth/streams/media"
)

// Client reads one camera stream. Create it with New; call Run, again after
// it returns to reconnect (a supervisor does that with backoff). Run must
// not be called concurrently with itself.
type Client struct {
	cfg      Config
	url      *url.URL
	redacted string
	op       string
	running  atomic.Bool
}

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("new rtsp client for camera %s: %w", cfg.CameraID, err)
	}
	cfg = cfg.withDefaults()
	u, _ := url.Parse(cfg.URL) // Validate parsed it
	c := &Client{cfg: cfg, url: u, redacted: redactedURL(cfg.URL)}
	c.op = "camera " + cfg.CameraID + " " + cfg.Stream
	return c, nil
}

// URL returns the camera URL with any query redacted, for logs.
func (c *Client) URL() string { return c.redacted }

// Run connects (DESCRIBE, SETUP, PLAY) and calls publish with every complete
// access unit until ctx ends or the session fails. publish is called from
// one goroutine at a time, never after Run returns, and must not block
// (hand the unit to a bounded queue); it must not modify the unit.
//
// The first units of a session (and of a stream whose SPS changed) are
// dropped until a key picture arrives. Every unit of a session shares a
// *media.StreamInfo until the parameter sets change, then a new one is made.
//
// Run returns nil only when ctx was cancelled. Otherwise it returns an
// *Error whose class is media.ErrAuth (credentials refused),
// ErrUnreachable (dial, DNS, TLS, connection lost, no answer),
// ErrUnsupported (no H.264/H.265 video track; the message names the
// codecs), ErrNoMedia (no packet for ReadTimeout) or ErrProtocol (broken
// RTSP or SDP). Every goroutine Run starts has ended when it returns.
func (c *Client) Run(ctx context.Context, publish func(*media.Unit)) error {
	return c.RunReady(ctx, publish, nil)
}

// RunReady is Run, calling ready (when not nil) once PLAY has been
// answered: the handshake is over, media may still wait for a keyframe.
// A supervisor uses it to free its admission slot early.
func (c *Client) RunReady(ctx context.Context, publish func(*media.Unit), ready func()) error {
	if !c.running.CompareAndSwap(false, true) {
		return errors.New("rtsp: Run called concurrently")
	}
	defer c.running.Store(false)
	s := newSession(c, publish)
	s.ready = ready
	return s.run(ctx)
}
