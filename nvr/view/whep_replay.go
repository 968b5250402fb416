package view

import (
	"encoding/json"
	"sync/atomic"
	"time"

	"github.com/hearthnvr/hearth/streams/replay"
	"github.com/hearthnvr/hearth/streams/webrtc"
)

// maxControlBytes bounds one playback control message.
const maxControlBytes = 1 << 10

// seekTakenWait bounds how long a seek's answer waits for the sender to
// leave the old footage: a unit's send, or a wait for a unit's time.
const seekTakenWait = time.Second

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
				// Answered once the sender is past the old footage: the
				// browser takes frames after the answer for the new
				// moment ("Loading…" ends at the first).
				if err = rd.Seek(c.At); err == nil {
					rd.SeekTaken(seekTakenWait)
				}
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
