package view

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/hub"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/webrtc"
)

// Hubs gives the hub of a granted camera stream; *ingest.Ingest implements
// it. KindUnavailable when the camera is not streaming.
type Hubs interface {
	Hub(g nvr.CameraGrant, stream string) (*hub.Hub, error)
}

// Codec names a media codec as the player and the Hearth-Video and
// Hearth-Audio headers spell it ("h264", "h265", "aac", "pcmu", "opus").
type Codec = media.Codec

// The codecs a viewer may be told of, so ui names them without importing
// media plumbing.
const (
	CodecH264 = media.H264
	CodecH265 = media.H265
	CodecAAC  = media.AAC
	CodecPCMU = media.PCMU
	CodecPCMA = media.PCMA
	CodecOpus = media.Opus
)

// WebRTC is what live view over WebRTC needs; its zero value (or one with
// a part missing) is not OK and the WHEP routes answer 503.
type WebRTC struct {
	Engine *webrtc.Engine
	Hubs   Hubs
	// Sessions is the registry of every media session (WHEP and MSE).
	Sessions *LiveSessions
}

// OK reports whether every part is there.
func (l WebRTC) OK() bool { return l.Engine != nil && l.Hubs != nil && l.Sessions != nil }

// WHEPOffer is a viewer's request for a WHEP session.
type WHEPOffer struct {
	SDP    string // the browser's SDP offer
	Stream string // "main" or "sub"
	// Start, when set, plays the recordings from then instead of live
	// view, from Recordings; the grant must then be for
	// nvr.ActionViewRecordings (the policy decided it just before).
	Start      time.Time
	Recordings *Playback
	Log        *slog.Logger // the session's start and end; nil: discarded
}

// WHEPAnswer is a started WHEP session.
type WHEPAnswer struct {
	SDP string // the SDP answer, with every server candidate
	// Session is the session's registry entry; its ID names it in the
	// session's URL.
	Session   *LiveSession
	ETag      string // of the session's ICE session, for trickle PATCHes
	Video     Codec
	Audio     Codec  // "" when no audio is sent
	AudioNote string // why the camera's audio is not played, if it is not
}

// StartWHEP starts a WHEP session (draft-ietf-wish-whep) on the granted
// camera: live from the hub of offer.Stream, or recorded playback from
// offer.Start, whose viewer drives the replay over the data channel
// (pause, resume, seek, speed). The session takes a slot in the registry
// (KindUnavailable past a limit) and ends when the registry stops it.
// Errors carry client-safe kinds: KindInvalid for an unusable offer or
// codec, KindUnavailable when the camera is not streaming or the server
// is shutting down.
func (l WebRTC) StartWHEP(ctx context.Context, g nvr.CameraGrant, offer WHEPOffer) (WHEPAnswer, error) {
	if !l.OK() {
		return WHEPAnswer{}, nvr.Errorf("live view", nvr.KindUnavailable, "live view is not available on this server")
	}
	log := offer.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := webrtc.SessionConfig{Offer: offer.SDP}
	kind, auditKind := "live", "whep"
	var sessPtr atomic.Pointer[webrtc.Session]
	if !offer.Start.IsZero() {
		// Recorded playback: the same session, fed by the replay reader,
		// controlled over the browser's data channel.
		if offer.Recordings == nil {
			return WHEPAnswer{}, nvr.Errorf("playback", nvr.KindUnavailable, "recording is not enabled")
		}
		rd, err := offer.Recordings.OpenReplay(ctx, g, offer.Start, ReplayOptions{Log: log.With("camera", string(g.CameraID()))})
		if err != nil {
			return WHEPAnswer{}, err
		}
		kind, auditKind, cfg.Source = "playback", "replay", rd
		cfg.OnMessage = playbackControls(rd, &sessPtr)
	} else {
		h, err := l.Hubs.Hub(g, offer.Stream)
		if err != nil {
			return WHEPAnswer{}, err
		}
		if offer.Stream == "main" {
			if sh, err := l.Hubs.Hub(g, "sub"); err == nil {
				if si := sh.Info(); si != nil && si.Video() >= 0 && si.Tracks[si.Video()].Codec == media.H264 {
					cfg.SubH264 = true
				}
			}
		}
		cfg.Source = webrtc.NewHubSource(h)
	}
	closeSource := func() {
		if c, ok := cfg.Source.(webrtc.Closer); ok {
			c.Close()
		}
	}
	ls, err := l.Sessions.Admit(g, auditKind, offer.Stream)
	if err != nil {
		closeSource()
		return WHEPAnswer{}, err
	}
	cfg.Source = verifiedSource{Source: cfg.Source, ls: ls}
	log = log.With("camera", string(g.CameraID()), "session", ls.ID[:8], "stream", offer.Stream, "kind", kind)
	cfg.OnEnd = func(end webrtc.End) {
		ls.End(end.Bytes, end.Reason)
		log.Info("media session ended", "reason", end.Reason, "bytes", end.Bytes, "err", end.Err)
	}
	sess, answer, err := l.Engine.NewSession(ctx, cfg)
	if err != nil {
		closeSource()
		ls.End(0, "refused")
		return WHEPAnswer{}, whepError(err)
	}
	sessPtr.Store(sess)
	ls.SetMedia(sess)
	ls.SetStop(sess.Stop) // no wait: the registry's recheck goes on to the next session
	info := sess.Info()
	log.Info("media session started", "video", info.Video, "audio", info.Audio, "audio_note", info.AudioNote)
	return WHEPAnswer{SDP: answer, Session: ls, ETag: whepETag(ls), Video: info.Video, Audio: info.Audio, AudioNote: info.AudioNote}, nil
}

// verifiedSource hands out its source's units only while the session's
// grant is decided (LiveSession.WaitVerified). It passes on the optional
// interfaces the WebRTC session looks for.
type verifiedSource struct {
	webrtc.Source
	ls *LiveSession
}

func (v verifiedSource) Next(ctx context.Context) (*media.Unit, error) {
	u, err := v.Source.Next(ctx)
	if err != nil {
		return nil, err
	}
	if err := v.ls.WaitVerified(ctx); err != nil {
		return nil, err
	}
	return u, nil
}

func (v verifiedSource) RequestKeyframe() {
	if kr, ok := v.Source.(webrtc.KeyframeRequester); ok {
		kr.RequestKeyframe()
	}
}

func (v verifiedSource) Close() {
	if c, ok := v.Source.(webrtc.Closer); ok {
		c.Close()
	}
}

// whepError maps session errors onto client-safe kinds.
func whepError(err error) error {
	switch {
	case errors.Is(err, webrtc.ErrNoMedia):
		return nvr.Errorf("live view", nvr.KindUnavailable, "the camera is not streaming yet")
	case errors.Is(err, webrtc.ErrCodec):
		return nvr.Errorf("live view", nvr.KindInvalid, "%s", err.Error())
	case errors.Is(err, webrtc.ErrOffer):
		return nvr.Errorf("live view", nvr.KindInvalid, "the SDP offer is not usable")
	case errors.Is(err, webrtc.ErrClosed):
		return nvr.Errorf("live view", nvr.KindUnavailable, "the server is shutting down")
	}
	return nvr.Wrap("live view", err)
}

// whepETag is the entity tag of a WHEP session's ICE session. Hearth does
// not restart ICE, so one tag serves the session's life.
func whepETag(ls *LiveSession) string { return `"ice-` + ls.ID[:16] + `"` }

// WHEPSession is a running WHEP session found for its owner.
type WHEPSession struct {
	ls   *LiveSession
	sess *webrtc.Session
}

// WHEPSession finds the caller's own WHEP session sid on g's camera.
// Anything else (unknown, another user's, another camera's, an MSE
// session, live view off) is the same ErrNotFound.
func (l WebRTC) WHEPSession(g nvr.CameraGrant, sid string) (*WHEPSession, error) {
	if !l.OK() {
		return nil, nvr.ErrNotFound
	}
	ls, err := l.Sessions.Lookup(g, sid)
	if err != nil {
		return nil, err
	}
	sess, ok := ls.Media().(*webrtc.Session)
	if !ok {
		return nil, nvr.ErrNotFound
	}
	return &WHEPSession{ls: ls, sess: sess}, nil
}

// ID returns the session's ID.
func (w *WHEPSession) ID() string { return w.ls.ID }

// ETag returns the entity tag of the session's ICE session.
func (w *WHEPSession) ETag() string { return whepETag(w.ls) }

// Close ends the session and waits for its end, so that its slot is free
// when Close returns: a viewer switching streams starts its next session
// at once.
func (w *WHEPSession) Close() {
	w.ls.Stop()
	w.sess.Close()
}

// MaxTrickleBytes bounds one trickle ICE fragment.
const MaxTrickleBytes = webrtc.MaxTrickleBytes

// ErrICERestart is returned by Trickle for a fragment that restarts ICE (a
// new ice-ufrag or ice-pwd): not supported, the viewer starts a new
// session.
var ErrICERestart = webrtc.ErrICERestart

// Trickle adds the viewer's trickled candidates (an
// application/trickle-ice-sdpfrag body, RFC 8840) to the session's peer
// connection and returns how many it added and whether the viewer said
// end-of-candidates. Errors: ErrICERestart; KindInvalid for a malformed
// fragment or too many candidates; ErrNotFound when the session ended
// meanwhile.
func (w *WHEPSession) Trickle(body []byte) (added int, end bool, err error) {
	frag, err := webrtc.ParseTrickle(body)
	if err == nil {
		added, err = w.sess.Trickle(frag)
	}
	if err != nil {
		return added, frag.End, trickleError(err)
	}
	return added, frag.End, nil
}

// trickleError maps trickle errors onto client-safe kinds.
func trickleError(err error) error {
	switch {
	case errors.Is(err, webrtc.ErrICERestart):
		return err
	case errors.Is(err, webrtc.ErrTooManyCandidates):
		return nvr.Errorf("trickle ice", nvr.KindInvalid, "more than %d candidates for one session", webrtc.MaxRemoteCandidates)
	case errors.Is(err, webrtc.ErrTrickleSyntax):
		return nvr.Errorf("trickle ice", nvr.KindInvalid, "%s", err.Error())
	case errors.Is(err, webrtc.ErrClosed):
		return nvr.ErrNotFound // the session ended meanwhile
	}
	return nvr.Wrap("trickle ice", err)
}
