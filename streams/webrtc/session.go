package webrtc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hearthnvr/hearth/streams/hub"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/pion/rtcp"
	pion "github.com/pion/webrtc/v4"
)

// Session defaults.
const (
	// DefaultConnectTimeout bounds ICE and DTLS after the answer.
	DefaultConnectTimeout = 10 * time.Second
	// keyframeEvery throttles picture-loss restarts: a browser asks right
	// after connecting, when the cached GOP is already on its way.
	keyframeEvery = time.Second
)

// Errors of NewSession.
var (
	// ErrNoMedia: the source has no stream yet (the camera is connecting).
	ErrNoMedia = errors.New("stream has no media yet")
	// ErrCodec: the browser cannot take the stream's video codec.
	ErrCodec = errors.New("video codec not offered by the browser")
	// ErrOffer: the offer is not a usable SDP offer.
	ErrOffer = errors.New("invalid offer")
	// ErrClosed: the engine is closed.
	ErrClosed = errors.New("webrtc engine closed")
)

// SessionConfig describes one viewer's session.
type SessionConfig struct {
	// Offer is the browser's SDP offer. Its candidates are optional: a
	// viewer that trickles sends them later (Session.Trickle).
	Offer string
	// Source feeds the session. If it implements Closer it is closed when
	// the session ends; if it implements KeyframeRequester, picture-loss
	// requests go to it.
	Source Source
	// SubH264 tells that the camera has an H.264 sub stream, named in the
	// error when the browser cannot take an H.265 main stream.
	SubH264 bool
	// OnMessage, when set, receives the messages of the data channel the
	// browser opened (playback controls). Called from pion's goroutine, one
	// at a time; it must not block.
	OnMessage func([]byte)
	// OnEnd, when set, is called once when the session ends, from the
	// session's goroutine, after the peer connection is closed.
	OnEnd func(End)
	// OnSend, when set, is called after each unit's packets are written,
	// with the time its first packet was (metrics, benchmarks).
	OnSend func(u *media.Unit, first time.Time)
	// ConnectTimeout bounds ICE+DTLS; DefaultConnectTimeout when zero.
	ConnectTimeout time.Duration
}

// Info describes what a session sends, for the caller's answer and log.
type Info struct {
	Video media.Codec
	Audio media.Codec // "" when no audio is sent
	// AudioNote says why the camera's audio is not sent, if it is not.
	AudioNote string
}

// End reports how a session ended.
type End struct {
	Reason string // "closed", "footage ended", "source ended", "peer gone", "connect timeout", "error"
	Err    error  // the error behind "error", else nil
	Bytes  int64  // RTP payload bytes sent
}

// Session is one viewer's peer connection. Safe for concurrent use.
type Session struct {
	e      *Engine
	cfg    SessionConfig
	offer  offerDesc // parsed once from cfg.Offer
	pc     *pion.PeerConnection
	info   Info
	video  *rtpWriter
	audio  *rtpWriter
	atrack int // source audio track index, -1 when none is sent
	pace   pacer

	ctx       context.Context
	cancel    context.CancelFunc
	connected chan struct{}
	done      chan struct{}
	bytes     atomic.Int64
	reason    atomic.Pointer[string]
	trickled  atomic.Int32 // remote candidates added by Trickle

	dcMu sync.Mutex
	dc   *pion.DataChannel

	kfMu       sync.Mutex
	lastKey    time.Time // a keyframe was sent
	lastReq    time.Time // a restart was requested
	closeOnce  sync.Once
	connectOne sync.Once
}

// NewSession answers an offer and starts the session. It returns the SDP
// answer with every server candidate (gathering is complete; the server
// does not trickle, the viewer may: Trickle). The session runs until Close,
// the end of the source, or the peer leaving.
func (e *Engine) NewSession(ctx context.Context, cfg SessionConfig) (*Session, string, error) {
	if cfg.Source == nil {
		return nil, "", errors.New("new session: no source")
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	offer, err := parseOffer(cfg.Offer)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %w", ErrOffer, err)
	}
	if !offer.video {
		return nil, "", fmt.Errorf("%w: no video section", ErrOffer)
	}
	si := cfg.Source.Info()
	if si == nil || si.Video() < 0 {
		return nil, "", ErrNoMedia
	}
	vt := si.Tracks[si.Video()]
	if vt.Codec == media.H265 && !offer.h265 {
		msg := "the camera sends H.265 and this browser does not offer H.265"
		if cfg.SubH264 {
			msg += "; the camera's sub stream is H.264: ask for ?stream=sub"
		}
		return nil, "", fmt.Errorf("%w: %s", ErrCodec, msg)
	}

	s := &Session{e: e, cfg: cfg, offer: offer, atrack: -1, connected: make(chan struct{}), done: make(chan struct{})}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.info.Video = vt.Codec
	pc, err := e.api.NewPeerConnection(pion.Configuration{})
	if err != nil {
		return nil, "", fmt.Errorf("new session: %w", err)
	}
	s.pc = pc
	fail := func(err error) (*Session, string, error) {
		s.cancel()
		_ = pc.Close()
		return nil, "", err
	}
	if err := pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeOffer, SDP: cfg.Offer}); err != nil {
		return fail(fmt.Errorf("%w: %w", ErrOffer, err))
	}

	mime := pion.MimeTypeH264
	fmtp := "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"
	if vt.Codec == media.H265 {
		mime, fmtp = pion.MimeTypeH265, ""
	}
	vtrack, err := pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: mime, ClockRate: 90000, SDPFmtpLine: fmtp}, "video", "hearth")
	if err != nil {
		return fail(fmt.Errorf("new session: %w", err))
	}
	vsender, err := pc.AddTrack(vtrack)
	if err != nil {
		return fail(fmt.Errorf("new session: video track: %w", err))
	}
	s.video = newRTPWriter(s.ctx, &s.pace, vtrack, vt.Codec, media.VideoClockRate, uint16(rand.Uint32()), rand.Uint32())

	var asender *pion.RTPSender
	if ai, note := pickAudio(si, offer.offerCaps); ai >= 0 {
		at := si.Tracks[ai]
		acap := audioCapability(at.Codec)
		atrack, err := pion.NewTrackLocalStaticRTP(acap, "audio", "hearth")
		if err != nil {
			return fail(fmt.Errorf("new session: %w", err))
		}
		if asender, err = pc.AddTrack(atrack); err != nil {
			return fail(fmt.Errorf("new session: audio track: %w", err))
		}
		s.atrack = ai
		s.info.Audio = at.Codec
		s.audio = newRTPWriter(s.ctx, &s.pace, atrack, at.Codec, int(acap.ClockRate), uint16(rand.Uint32()), rand.Uint32())
	} else {
		s.info.AudioNote = note
	}

	if cfg.OnMessage != nil {
		pc.OnDataChannel(func(dc *pion.DataChannel) {
			s.dcMu.Lock()
			s.dc = dc
			s.dcMu.Unlock()
			dc.OnMessage(func(m pion.DataChannelMessage) { cfg.OnMessage(m.Data) })
		})
	}
	pc.OnConnectionStateChange(func(st pion.PeerConnectionState) {
		switch st {
		case pion.PeerConnectionStateConnected:
			s.connectOne.Do(func() { close(s.connected) })
		case pion.PeerConnectionStateFailed, pion.PeerConnectionStateClosed:
			s.end("peer gone", nil)
		}
	})

	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return fail(fmt.Errorf("%w: %w", ErrOffer, err))
	}
	gathered := pion.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return fail(fmt.Errorf("%w: %w", ErrOffer, err))
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return fail(fmt.Errorf("new session: gather candidates: %w", ctx.Err()))
	case <-time.After(5 * time.Second):
		return fail(errors.New("new session: gathering candidates timed out"))
	}

	senders := []*pion.RTPSender{vsender}
	if asender != nil {
		senders = append(senders, asender)
	}
	if !e.add(s, 1+len(senders)) {
		return fail(ErrClosed)
	}
	go s.run()
	for _, snd := range senders {
		go s.readRTCP(snd)
	}
	return s, pc.LocalDescription().SDP, nil
}

// Info returns what the session sends.
func (s *Session) Info() Info { return s.info }

// Done is closed when the session has ended.
func (s *Session) Done() <-chan struct{} { return s.done }

// Bytes returns the RTP payload bytes sent so far.
func (s *Session) Bytes() int64 { return s.bytes.Load() }

// Send sends a message on the browser's data channel; an error when there
// is none or it is not open.
func (s *Session) Send(msg []byte) error {
	s.dcMu.Lock()
	dc := s.dc
	s.dcMu.Unlock()
	if dc == nil || dc.ReadyState() != pion.DataChannelStateOpen {
		return errors.New("send: no open data channel")
	}
	return dc.Send(msg)
}

// Close ends the session and waits until it has stopped. Idempotent; not
// to be called from OnEnd or OnMessage.
func (s *Session) Close() {
	s.Stop()
	<-s.done
}

// Stop ends the session without waiting for its peer connection to close
// (the engine's goroutine for the session does that): for a caller that
// ends many sessions in a row, such as the live registry on a revocation.
func (s *Session) Stop() { s.end("closed", nil) }

// end records the first reason and stops the sending goroutine.
func (s *Session) end(reason string, err error) {
	if err != nil {
		reason = "error"
	}
	r := reason
	s.reason.CompareAndSwap(nil, &r)
	s.cancel()
}

// run is the session's sending goroutine: it waits for the connection, then
// moves units from the source to the tracks until the session ends.
func (s *Session) run() {
	defer s.e.wg.Done()
	var err error
	defer func() {
		if c, ok := s.cfg.Source.(Closer); ok {
			c.Close()
		}
		_ = s.pc.Close()
		s.e.remove(s)
		s.closeOnce.Do(func() {
			end := End{Bytes: s.bytes.Load(), Err: err}
			if r := s.reason.Load(); r != nil {
				end.Reason = *r
			} else {
				end.Reason = "error"
			}
			if s.cfg.OnEnd != nil {
				s.cfg.OnEnd(end)
			}
			close(s.done)
		})
	}()

	t := time.NewTimer(s.cfg.ConnectTimeout)
	select {
	case <-s.connected:
		t.Stop()
	case <-t.C:
		s.end("connect timeout", nil)
		return
	case <-s.ctx.Done():
		return
	}
	err = s.pump()
	switch {
	case errors.Is(err, io.EOF):
		s.end("footage ended", nil)
		err = nil
	case s.ctx.Err() != nil:
		err = nil // ended by Close or the peer
	case errors.Is(err, hub.ErrClosed):
		s.end("source ended", nil) // the camera stopped or was removed
		err = nil
	default:
		s.end("source ended", err)
	}
}

// pump sends units until the source or the session ends.
func (s *Session) pump() error {
	vi := -1
	var info *media.StreamInfo
	for {
		u, err := s.cfg.Source.Next(s.ctx)
		if err != nil {
			return err
		}
		if u.Info != info {
			info = u.Info
			vi = info.Video()
			if vi < 0 || info.Tracks[vi].Codec != s.info.Video {
				return fmt.Errorf("stream changed codec: %w", ErrCodec)
			}
		}
		now := time.Now()
		var n int
		switch {
		case u.Track == vi:
			ts, _ := s.video.clock.next(now, u.DTS)
			ts += uint32(u.PTS - u.DTS)
			n, err = s.video.writeVideo(u, ts)
			if u.Key {
				s.kfMu.Lock()
				s.lastKey = now
				s.kfMu.Unlock()
			}
		case u.Track == s.atrack && s.audio != nil && info.Tracks[u.Track].Codec == s.info.Audio:
			ts, burst := s.audio.clock.next(now, u.DTS)
			if burst {
				continue // old audio would only garble playback
			}
			n, err = s.audio.writeAudio(u, ts)
		default:
			continue
		}
		s.bytes.Add(int64(n))
		if err != nil {
			return err
		}
		if s.cfg.OnSend != nil {
			s.cfg.OnSend(u, now)
		}
	}
}

// readRTCP drains a sender's RTCP (the NACK interceptor needs it read) and
// turns picture-loss requests into a restart at the cached keyframe.
func (s *Session) readRTCP(snd *pion.RTPSender) {
	defer s.e.wg.Done()
	for {
		pkts, _, err := snd.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				s.keyframeRequest()
			}
		}
	}
}

func (s *Session) keyframeRequest() {
	kr, ok := s.cfg.Source.(KeyframeRequester)
	if !ok {
		return
	}
	now := time.Now()
	s.kfMu.Lock()
	recent := now.Sub(s.lastKey) < keyframeEvery || now.Sub(s.lastReq) < keyframeEvery
	if !recent {
		s.lastReq = now
	}
	s.kfMu.Unlock()
	if !recent {
		kr.RequestKeyframe()
	}
}

// pickAudio returns the source audio track to send, or -1 and why not.
func pickAudio(si *media.StreamInfo, offer offerCaps) (int, string) {
	note := ""
	for i, t := range si.Tracks {
		switch t.Codec {
		case media.AAC:
			note = "AAC audio is not sent: browsers do not play AAC over WebRTC"
			continue
		case media.Opus, media.PCMU, media.PCMA:
		default:
			continue
		}
		ok := (t.Codec == media.Opus && offer.opus) || (t.Codec == media.PCMU && offer.pcmu) || (t.Codec == media.PCMA && offer.pcma)
		if !offer.audio {
			return -1, "the browser asked for no audio"
		}
		if !ok {
			note = fmt.Sprintf("the browser does not offer %s audio", t.Codec)
			continue
		}
		return i, ""
	}
	return -1, note
}

func audioCapability(c media.Codec) pion.RTPCodecCapability {
	switch c {
	case media.Opus:
		return pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2}
	case media.PCMA:
		return pion.RTPCodecCapability{MimeType: pion.MimeTypePCMA, ClockRate: 8000}
	}
	return pion.RTPCodecCapability{MimeType: pion.MimeTypePCMU, ClockRate: 8000}
}
