package webrtc

import (
	"context"
	"sync/atomic"

	"github.com/hearthnvr/hearth/streams/hub"
	"github.com/hearthnvr/hearth/streams/media"
)

// Source feeds one session.
//
// Next is called from the session's one sending goroutine; it returns the
// next unit, waiting as needed, or io.EOF when the footage ended (the session
// then ends cleanly), or ctx.Err() when the session ends. Units must start at
// a video keyframe. Info may be called from any goroutine.
type Source interface {
	Info() *media.StreamInfo
	Next(ctx context.Context) (*media.Unit, error)
}

// KeyframeRequester is implemented by sources that can restart at a
// keyframe; the session calls it (from any goroutine) when the browser
// reports picture loss. It must not block.
type KeyframeRequester interface{ RequestKeyframe() }

// Closer is implemented by sources holding resources; the session calls
// Close once, from the goroutine that calls Next, after the last Next.
type Closer interface{ Close() }

// HubSource is a live Source: a subscription to a camera stream's hub that
// starts at the hub's cached GOP (so the first frame decodes at once), drops
// to the next keyframe when the viewer falls behind (it never slows ingest
// or other viewers) and answers a keyframe request from the cache: it
// restarts at the latest cached keyframe, never asking the camera.
type HubSource struct {
	hub     *hub.Hub
	sub     *hub.Subscription // owned by the Next goroutine after creation
	restart atomic.Bool
	closed  atomic.Bool
}

var (
	_ Source            = (*HubSource)(nil)
	_ KeyframeRequester = (*HubSource)(nil)
	_ Closer            = (*HubSource)(nil)
)

// NewHubSource subscribes to h now, so the cached GOP is captured at once.
func NewHubSource(h *hub.Hub) *HubSource {
	return &HubSource{hub: h, sub: subscribe(h)}
}

func subscribe(h *hub.Hub) *hub.Subscription {
	return h.Subscribe(hub.SubscribeOptions{Start: hub.StartCachedGOP, Overflow: hub.DropBacklog})
}

// Info returns the hub's current StreamInfo (nil before any unit).
func (s *HubSource) Info() *media.StreamInfo { return s.hub.Info() }

// Next returns the next unit; hub.ErrClosed when the hub was closed (the
// camera was removed or stopped).
func (s *HubSource) Next(ctx context.Context) (*media.Unit, error) {
	if s.restart.Swap(false) && !s.closed.Load() {
		s.sub.Close()
		s.sub = subscribe(s.hub)
	}
	return s.sub.Next(ctx)
}

// RequestKeyframe makes the next Next restart at the cached keyframe.
func (s *HubSource) RequestKeyframe() { s.restart.Store(true) }

// Close ends the subscription; call it from the goroutine that calls Next.
func (s *HubSource) Close() {
	s.closed.Store(true)
	s.sub.Close()
}
