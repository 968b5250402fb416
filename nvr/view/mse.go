package view

import (
	"context"
	"errors"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/fmp4live"
	"github.com/hearthnvr/hearth/streams/hub"
)

// ErrStreamEnded is returned by MSEStream.Next when the camera's stream
// ended (the camera was removed or the server is stopping).
var ErrStreamEnded = errors.New("stream ended")

// MSEStream is an admitted MSE session: the granted camera's live stream
// packaged as fMP4 for Media Source Extensions, for browsers where WebRTC
// cannot connect. Its viewer transport (a WebSocket) is the caller's; so
// are ending its registry entry (Session.End) and Close. Not safe for
// concurrent use.
type MSEStream struct {
	// Session is the session's entry in the registry it shares with
	// WHEP sessions; its stop (SetStop) ends the caller's transport.
	Session *LiveSession
	h       *hub.Hub
	sub     *hub.Subscription
	mux     *fmp4live.Muxer
}

// MSEPart is what one unit of the stream adds, in order: when Codec is set
// the player learns the codec (and the audio note) before the init segment
// that follows, then Init (when the parameters changed), then Fragments.
type MSEPart struct {
	Codec     string // RFC 6381 codecs of Init: the video's, then the audio's if carried
	AudioNote string // with Codec: why the camera's audio is not played, if it is not
	Init      []byte
	Fragments [][]byte
}

// StartMSE finds the hub of the granted camera's stream and admits the
// session to the registry (KindUnavailable past a per-camera or per-user
// limit, or when the camera is not streaming).
func StartMSE(hubs Hubs, sessions *LiveSessions, g nvr.CameraGrant, stream string) (*MSEStream, error) {
	if hubs == nil || sessions == nil {
		return nil, nvr.Errorf("live stream", nvr.KindUnavailable, "live view is off")
	}
	h, err := hubs.Hub(g, stream)
	if err != nil {
		return nil, err
	}
	ls, err := sessions.Admit(g, "mse", stream)
	if err != nil {
		return nil, err
	}
	return &MSEStream{Session: ls, h: h, mux: fmp4live.NewMuxer()}, nil
}

// Next waits for the stream's next unit and packages it. It starts at the
// hub's cached GOP on the first call; a viewer that falls behind loses its
// backlog to the next keyframe (the hub drops it; ingest never waits for a
// viewer). Errors: ctx's, ErrStreamEnded, or a packaging error.
func (m *MSEStream) Next(ctx context.Context) (MSEPart, error) {
	if m.sub == nil {
		m.sub = m.h.Subscribe(hub.SubscribeOptions{Start: hub.StartCachedGOP, Overflow: hub.DropBacklog})
	}
	u, err := m.sub.Next(ctx)
	if err != nil {
		if errors.Is(err, hub.ErrClosed) {
			return MSEPart{}, ErrStreamEnded
		}
		return MSEPart{}, err
	}
	if err := m.Session.WaitVerified(ctx); err != nil {
		return MSEPart{}, err
	}
	out, err := m.mux.Write(u)
	if err != nil {
		return MSEPart{}, err
	}
	p := MSEPart{Codec: out.Codec, Init: out.Init, Fragments: out.Fragments}
	if out.Codec != "" {
		p.AudioNote = fmp4live.AudioNote(u.Info)
	}
	return p, nil
}

// Close ends the stream's subscription (not the registry entry: that is
// Session.End, with the bytes sent and why).
func (m *MSEStream) Close() {
	if m.sub != nil {
		m.sub.Close()
	}
}
