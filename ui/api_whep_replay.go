package ui

import (
	"encoding/json"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/streams/replay"
	"github.com/hearthnvr/hearth/streams/webrtc"
)

// maxControlBytes bounds one playback control message.
const maxControlBytes = 1 << 10

// playbackControl is a message on a recorded-playback session's data
// channel: {"op":"pause"}, {"op":"resume"}, {"op":"seek","at":RFC3339},
// {"op":"speed","speed":1|2|4}. Each is answered with a playbackState.
type playbackControl struct {
	Op    string    `json:"op"`
	At    time.Time `json:"at"`
	Speed float64   `json:"speed"`
}

// playbackState answers a control message.
type playbackState struct {
	OK       bool      `json:"ok"`
	Error    string    `json:"error,omitempty"`
	Position time.Time `json:"position"`
}

// openPlayback turns a live grant into recorded playback from ?start=: the
// principal needs the recordings action on the camera too (decided now, by
// the policy), and the reader plans every read (seeks too) through that
// grant.
func (s *Server) openPlayback(r *http.Request, g nvr.CameraGrant, startText string) (nvr.CameraGrant, *replay.Reader, error) {
	start, err := time.Parse(time.RFC3339, startText)
	if err != nil {
		return nvr.CameraGrant{}, nil, errInvalid("start must be an RFC 3339 time, e.g. 2026-11-28T08:00:00Z")
	}
	if s.playback == nil {
		return nvr.CameraGrant{}, nil, nvr.Errorf("playback", nvr.KindUnavailable, "recording is not enabled")
	}
	rg, err := s.policy.Camera(r.Context(), g.Principal(), nvr.ActionViewRecordings, g.CameraID())
	if err != nil {
		return nvr.CameraGrant{}, nil, err
	}
	rd, err := s.playback.OpenReplay(r.Context(), rg, start, view.ReplayOptions{Log: s.log.With("camera", string(rg.CameraID()))})
	if err != nil {
		return nvr.CameraGrant{}, nil, err
	}
	return rg, rd, nil
}

// playbackControls returns the data channel hook of a playback session:
// each message drives the reader, the answer goes back on the channel.
func playbackControls(rd *replay.Reader, sess *atomic.Pointer[webrtc.Session]) func([]byte) {
	return func(msg []byte) {
		st := playbackState{OK: true}
		var c playbackControl
		if len(msg) > maxControlBytes || json.Unmarshal(msg, &c) != nil {
			st = playbackState{Error: "bad control message"}
		} else {
			var err error
			switch c.Op {
			case "pause":
				rd.Pause()
			case "resume":
				rd.Resume()
			case "seek":
				err = rd.Seek(c.At)
			case "speed":
				err = rd.SetSpeed(c.Speed)
			default:
				st = playbackState{Error: "op must be pause, resume, seek or speed"}
			}
			if err != nil {
				st = playbackState{Error: err.Error()}
			}
		}
		st.Position = rd.Position().UTC()
		if s := sess.Load(); s != nil {
			b, _ := json.Marshal(st)
			_ = s.Send(b)
		}
	}
}
