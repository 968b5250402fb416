package ui

import (
	"slices"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestCameraPagePlaybackControls: the camera page carries the recorded
// playback controls timeline.js drives (hidden until something plays): a
// pause/resume button, a labelled speed choice of exactly 1×, 2× and 4×
// (what the WHEP data channel accepts) and the position readout.
func TestCameraPagePlaybackControls(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.get("/cameras/"+string(f.camA1.ID), f.login("ana"))
	d := doc(t, r.body)
	box := d.Find(`[data-testid="playback-controls"]`)
	if box.Length() != 1 || box.AttrOr("hidden", "x") == "x" {
		t.Fatalf("playback controls: %d, shown before anything plays: %v", box.Length(), box.AttrOr("hidden", "x") == "x")
	}
	pause := box.Find(`[data-testid="playback-pause"]`)
	// Named by what it does, without a pressed state: "Play, pressed"
	// is what a screen reader said of the paused player's button.
	_, pressed := pause.Attr("aria-pressed")
	if pause.AttrOr("type", "") != "button" || pressed || pause.AttrOr("data-paused", "") != "false" || pause.Text() != "Pause" {
		t.Fatalf("pause button: %v", pause.Nodes)
	}
	speed := box.Find(`select[data-testid="playback-speed"]`)
	id := speed.AttrOr("id", "")
	if id == "" || box.Find(`label[for="`+id+`"]`).Length() != 1 {
		t.Fatalf("speed choice without a label")
	}
	var speeds []string
	speed.Find("option").Each(func(_ int, o *goquery.Selection) { speeds = append(speeds, o.AttrOr("value", "")) })
	if !slices.Equal(speeds, []string{"1", "2", "4"}) || speed.Find("option[selected]").AttrOr("value", "") != "1" {
		t.Fatalf("speeds %v", speeds)
	}
	if box.Find(`output[data-testid="playback-position"]`).Length() != 1 {
		t.Fatalf("no position readout")
	}
}

// TestAudioNotePlaceholders: every live video (each grid tile, the camera
// page) has an empty, hidden place for the player to say why there is no
// sound (the WHEP answer's Hearth-Audio-Note, e.g. AAC is not sent over
// WebRTC) and why there is no picture (an H.265 camera in a browser
// without H.265); nothing is claimed before the server has said so.
func TestAudioNotePlaceholders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana := f.login("ana")
	check := func(where string, s *goquery.Selection) {
		t.Helper()
		for _, id := range []string{"audio-note", "video-note"} {
			n := s.Find(`[data-testid="` + id + `"]`)
			if n.Length() != 1 || n.AttrOr("hidden", "x") == "x" || n.Text() != "" {
				t.Errorf("%s: %s %d, hidden %v, text %q", where, id, n.Length(), n.AttrOr("hidden", "x") != "x", n.Text())
			}
			// live.js finds it next to the video.
			if n.Parent().Find(`video[data-camera-id]`).Length() != 1 {
				t.Errorf("%s: %s is not beside its video", where, id)
			}
		}
	}
	tiles := doc(t, f.get("/", ana).body).Find(`[data-testid="tile"]`)
	if tiles.Length() != 2 {
		t.Fatalf("%d tiles", tiles.Length())
	}
	tiles.Each(func(_ int, s *goquery.Selection) { check("tile "+s.AttrOr("data-camera-id", ""), s) })
	check("camera page", doc(t, f.get("/cameras/"+string(f.camA1.ID), ana).body).Find(`[data-testid="camera-page"]`))
}
