package restream

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/description"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph264"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph265"
	"github.com/pion/rtp"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/streams/hub"
	"github.com/hearthnvr/hearth/streams/media"
)

var errNoVideo = errors.New("restream: the camera stream has no H.264 or H.265 video")

// client is one RTSP session: its own stream (SDP and RTP writer), and
// once playing, its registry session and pump goroutine.
type client struct {
	s      *Server
	target target
	grant  nvr.CameraGrant
	stream *gortsplib.ServerStream

	overflow atomic.Bool   // the socket queue overflowed: drop to the next keyframe
	dropped  atomic.Uint64 // units dropped for it
	bytes    atomic.Int64  // payload bytes written

	mu     sync.Mutex
	live   *view.LiveSession
	cancel context.CancelFunc
	done   chan struct{}
	ended  bool
}

// encoder packetizes access units of one video codec.
type encoder interface {
	Encode(au [][]byte) ([]*rtp.Packet, error)
}

// newStream makes the client's stream from the hub's current video track.
func (s *Server) newStream(g nvr.CameraGrant, t target) (*gortsplib.ServerStream, error) {
	h, err := s.cfg.Hubs.Hub(g, t.stream)
	if err != nil {
		return nil, err
	}
	info := h.Info()
	if info == nil || info.Video() < 0 {
		return nil, errNoVideo
	}
	f, err := videoFormat(info.Tracks[info.Video()])
	if err != nil {
		return nil, err
	}
	st := &gortsplib.ServerStream{Server: s.rtsp, Desc: &description.Session{
		Medias: []*description.Media{{Type: description.MediaTypeVideo, Formats: []format.Format{f}}}}}
	if err := st.Initialize(); err != nil {
		return nil, err
	}
	return st, nil
}

func videoFormat(tr media.Track) (format.Format, error) {
	switch tr.Codec {
	case media.H264:
		return &format.H264{PayloadTyp: 96, SPS: tr.SPS, PPS: tr.PPS, PacketizationMode: 1}, nil
	case media.H265:
		return &format.H265{PayloadTyp: 96, VPS: tr.VPS, SPS: tr.SPS, PPS: tr.PPS}, nil
	}
	return nil, errNoVideo
}

// start admits the client's session in the registry (limits, rechecks,
// audit row) and starts its pump under the server's context.
func (s *Server) start(ss *gortsplib.ServerSession, c *client, g nvr.CameraGrant) error {
	ls, err := s.cfg.Sessions.Admit(g, "rtsp", c.target.stream)
	if err != nil {
		return err
	}
	h, err := s.cfg.Hubs.Hub(g, c.target.stream)
	if err != nil {
		ls.End(0, "refused")
		return err
	}
	ctx, cancel := context.WithCancel(s.ctx)
	c.mu.Lock()
	c.live, c.cancel, c.done = ls, cancel, make(chan struct{})
	done := c.done
	c.mu.Unlock()
	// The registry stops a session whose grant is gone by closing it;
	// OnSessionClose then ends it.
	ls.SetStop(ss.Close)
	sub := h.Subscribe(hub.SubscribeOptions{QueueUnits: s.cfg.QueueUnits, Start: hub.StartCachedGOP, Overflow: hub.DropBacklog})
	s.wg.Go(func() {
		defer close(done)
		defer sub.Close()
		// pump returns only with an error; one it caused (the hub closed,
		// a write failed) rather than the session's end closes the session.
		if err := c.pump(ctx, sub, ls); ctx.Err() == nil {
			s.cfg.Log.Info("restream client ended", "camera", string(c.target.camera), "stream", c.target.stream, "err", err)
			ss.Close()
		}
	})
	return nil
}

// pump writes the subscription's video units to the client's stream
// until ctx ends or the hub closes, holding them while ls's grant cannot
// be decided (WaitVerified); it always returns why it stopped.
func (c *client) pump(ctx context.Context, sub *hub.Subscription, ls *view.LiveSession) error {
	medi := c.stream.Desc.Medias[0]
	var (
		enc     encoder
		encInfo *media.StreamInfo
		waitKey bool
		nextSeq uint16 // the client's next sequence number, once sent is set
		sent    bool
	)
	for {
		u, err := sub.Next(ctx)
		if err != nil {
			return err
		}
		// No unit leaves on a grant nobody could check of late.
		if err := ls.WaitVerified(ctx); err != nil {
			return err
		}
		vt := u.Info.Video()
		if u.Track != vt || vt < 0 {
			continue // video only
		}
		if c.overflow.Swap(false) {
			waitKey = true
		}
		if waitKey && !u.Key {
			c.dropped.Add(1)
			c.s.dropped.Add(1)
			continue
		}
		waitKey = false
		if enc == nil || u.Info != encInfo {
			tr := u.Info.Tracks[vt]
			f, err := videoFormat(tr)
			if err != nil {
				return err
			}
			var seq *uint16 // the first encoder picks its own start
			if sent {
				seq = new(nextSeq)
			}
			if enc, err = newEncoder(f, seq); err != nil {
				return err
			}
			encInfo = u.Info
		}
		pkts, err := enc.Encode(withParams(u, u.Info.Tracks[vt]))
		if err != nil {
			return err
		}
		ts := uint32(u.PTS)
		for _, p := range pkts {
			p.Timestamp = ts
			c.bytes.Add(int64(len(p.Payload)))
			if err := c.stream.WritePacketRTPWithNTP(medi, p, u.Wall); err != nil {
				return err
			}
			nextSeq, sent = p.SequenceNumber+1, true
		}
	}
}

// newEncoder packetizes f's access units. A camera that reconnects gets a
// new stream description and so a new encoder; seq (nil for the first)
// continues the sequence numbers the client has seen, which a fresh random
// start would turn into thousands of "lost" packets and, for some clients,
// a reset of the session.
func newEncoder(f format.Format, seq *uint16) (encoder, error) {
	switch f := f.(type) {
	case *format.H264:
		e := &rtph264.Encoder{PayloadType: f.PayloadTyp, PacketizationMode: f.PacketizationMode, InitialSequenceNumber: seq}
		return e, e.Init()
	case *format.H265:
		e := &rtph265.Encoder{PayloadType: f.PayloadTyp, MaxDONDiff: f.MaxDONDiff, InitialSequenceNumber: seq}
		return e, e.Init()
	}
	return nil, errNoVideo
}

// withParams returns a keyframe's NAL units with the parameter sets in
// front when the unit lacks them, so a client that joins here (or missed
// the SDP's) can decode it.
func withParams(u *media.Unit, tr media.Track) [][]byte {
	if !u.Key {
		return u.NALUs
	}
	var params [][]byte
	switch tr.Codec {
	case media.H264:
		if !hasNALType(u.NALUs, func(b []byte) bool { return b[0]&0x1f == 7 }) {
			params = [][]byte{tr.SPS, tr.PPS}
		}
	case media.H265:
		if !hasNALType(u.NALUs, func(b []byte) bool { return (b[0]>>1)&0x3f == 33 }) {
			params = [][]byte{tr.VPS, tr.SPS, tr.PPS}
		}
	}
	if len(params) == 0 {
		return u.NALUs
	}
	out := make([][]byte, 0, len(params)+len(u.NALUs))
	for _, p := range params {
		if len(p) > 0 {
			out = append(out, p)
		}
	}
	return append(out, u.NALUs...)
}

func hasNALType(nalus [][]byte, is func([]byte) bool) bool {
	for _, n := range nalus {
		if len(n) > 0 && is(n) {
			return true
		}
	}
	return false
}

// finish stops the pump, waits for it, ends the registry session and
// closes the stream. Idempotent.
func (c *client) finish() {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	c.ended = true
	cancel, done, ls := c.cancel, c.done, c.live
	c.mu.Unlock()
	if cancel != nil {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			// The pump only blocks on Next (which ctx wakes) and on
			// non-blocking writes; this is a guard, not a wait we expect.
		}
	}
	if ls != nil {
		ls.End(c.bytes.Load(), "closed")
	}
	c.stream.Close()
}
