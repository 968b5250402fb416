package ui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/streams/webrtc/webrtctest"
	"github.com/pion/webrtc/v4"
)

// playbackState is the answer to a control message on a recorded-playback
// session's data channel, as the player reads it.
type playbackState struct {
	OK       bool      `json:"ok"`
	Error    string    `json:"error,omitempty"`
	Position time.Time `json:"position"`
}

// TestWHEPPlayback: ?start= plays the camera's recordings through the same
// WHEP endpoint; every frame carries that camera's stamp, and pause and
// resume over the data channel stop and restart the frames.
func TestWHEPPlayback(t *testing.T) {
	t.Parallel()
	f := newLiveFixture(t, view.LiveConfig{}, true)
	start := time.Now().UTC().Truncate(time.Second)
	q := "?start=" + url.QueryEscape(start.Format(time.RFC3339))
	ana := f.login("ana")
	// Play a few seconds behind the live edge: playback at 1× that catches
	// up with what is written ends there (end of footage).
	time.Sleep(4 * time.Second)

	// Footage appears once the first GOP is written.
	var c *webrtctest.Client
	deadline := time.Now().Add(20 * time.Second)
	for {
		var status int
		var body string
		c, status, _, body = f.whepQuery(f.camA1.ID, q, ana, webrtctest.Options{WantID: string(f.camA1.ID), DataChannel: true})
		if status == http.StatusCreated {
			break
		}
		c.Close()
		if status != http.StatusNotFound || time.Now().After(deadline) {
			t.Fatalf("playback: %d %s", status, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := c.WaitFrames(15, 15*time.Second); err != nil {
		t.Fatal(err)
	}
	if st := c.Stats(); st.WrongID != 0 || st.Keyframes < 1 {
		t.Fatalf("playback viewer: %+v", st)
	}

	replies := make(chan playbackState, 4)
	c.DC.OnMessage(func(m webrtc.DataChannelMessage) {
		var st playbackState
		if json.Unmarshal(m.Data, &st) == nil {
			replies <- st
		}
	})
	control := func(msg string) playbackState {
		t.Helper()
		if err := c.DC.SendText(msg); err != nil {
			t.Fatal(err)
		}
		select {
		case st := <-replies:
			return st
		case <-time.After(5 * time.Second):
			t.Fatalf("no answer to %s", msg)
		}
		return playbackState{}
	}
	if st := control(`{"op":"pause"}`); !st.OK || st.Position.Before(start.Add(-5*time.Second)) {
		t.Fatalf("pause: %+v", st)
	}
	time.Sleep(300 * time.Millisecond) // frames already sent still arrive
	n := c.Stats().Frames
	time.Sleep(700 * time.Millisecond)
	if d := c.Stats().Frames - n; d > 1 {
		t.Fatalf("%d frames while paused", d)
	}
	if st := control(`{"op":"speed","speed":3}`); st.OK || st.Error == "" {
		t.Fatalf("speed 3: %+v", st)
	}
	if st := control(`{"op":"resume"}`); !st.OK {
		t.Fatalf("resume: %+v", st)
	}
	if err := c.WaitFrames(n+10, 10*time.Second); err != nil {
		t.Fatalf("after resume: %v", err)
	}
	if st := c.Stats(); st.WrongID != 0 {
		t.Fatalf("playback viewer: %+v", st)
	}
}
