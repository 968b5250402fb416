package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// TestEventsOnlyCamera: a camera set to record only events (CLI) records
// nothing while armed; an external trigger through the real server makes
// it keep its pre roll, the event and its post roll, flagged as event
// footage; the settings are refused when out of range.
func TestEventsOnlyCamera(t *testing.T) {
	t.Parallel()
	site := newRecordingSite(t, 1)
	cam := site.cams[0]
	// Motion off: the simulated object moves 5 s in every 25 s of wall
	// clock, so with a detector the armed window below may rightly record
	// a motion event. The trigger must be the only event here.
	mustCLI(t, "", "camera", "edit", cam, "--record", "events", "--pre-roll", "2s", "--post-roll", "3s",
		"--retain-events-days", "60", "--motion", "off", "--data", site.data)
	for _, bad := range [][]string{{"--record", "sometimes"}, {"--pre-roll", "10m"}, {"--post-roll", "-1s"}, {"--retain-events-days", "0"}} {
		if _, errs, code := cli(t, "", append(append([]string{"camera", "edit", cam}, bad...), "--data", site.data)...); code == 0 || !strings.Contains(errs, strings.Fields(strings.ReplaceAll(bad[0], "-", " "))[0]) {
			t.Errorf("camera edit %v: exit %d, %s; want a refusal naming the setting", bad, code, errs)
		}
	}
	token := strings.TrimSpace(mustCLI(t, "", "token", "create", "--user", "ana", "--scope", "trigger", "--name", "doorbell", "--data", site.data))

	srv := startServer(t, site.data)
	c := newClient(t, srv.url)
	// Armed: streaming, buffering its pre roll, writing nothing.
	time.Sleep(6 * time.Second)
	if segs := segmentsOf(t, site.data); len(segs) != 0 {
		t.Fatalf("an armed events-only camera wrote %d segments before any event", len(segs))
	}
	// The household is told so, from the recorder's state: it streams and
	// records events only (the live badge alone said "streaming").
	owner := newClient(t, srv.url)
	owner.login("ana", sitePassword)
	var st struct {
		Words struct {
			Badge, Rec string
			RecText    string `json:"rec_text"`
		}
	}
	if code, body := owner.call("GET", "/api/cameras/"+cam, ""); code != http.StatusOK || json.Unmarshal([]byte(body), &st) != nil ||
		st.Words.Badge != "streaming" || st.Words.Rec != "armed" || st.Words.RecText != "Records events only" {
		t.Errorf("an armed events-only camera's words: %d %s", code, body)
	}

	trigger := time.Now()
	code, body := c.call("POST", "/api/cameras/"+cam+"/events", `{"label":"doorbell","duration_s":2}`,
		"Authorization", "Bearer "+token)
	var ev struct{ ID string }
	if code != http.StatusCreated || json.Unmarshal([]byte(body), &ev) != nil || ev.ID == "" {
		t.Fatalf("trigger: %d %s", code, body)
	}
	// Pre roll 2 s before, event 2 s, post roll 3 s: footage from about
	// trigger-2s to trigger+5s, cut on keyframes (1 s GOPs).
	var segs []nvr.Segment
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		segs = segmentsOf(t, site.data)
		closed := len(segs) > 0
		for _, s := range segs {
			closed = closed && s.State == nvr.SegmentClosed
		}
		if closed && segs[len(segs)-1].End.After(trigger.Add(4*time.Second)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no closed event footage 30 s after the trigger: %+v", segs)
		}
	}
	first, last := segs[0].Start, segs[len(segs)-1].End
	for _, s := range segs {
		if !s.Event {
			t.Errorf("segment %d is not flagged as event footage", s.ID)
		}
		first, last = minTime(first, s.Start), maxTime(last, s.End)
	}
	if lead := trigger.Sub(first); lead < time.Second || lead > 4*time.Second {
		t.Errorf("footage starts %v before the trigger; want the 2 s pre roll (±1 s GOP)", lead)
	}
	if tail := last.Sub(trigger); tail < 4*time.Second || tail > 8*time.Second {
		t.Errorf("footage ends %v after the trigger; want event 2 s + post roll 3 s (±1 s GOP)", tail)
	}
	t.Logf("events-only: footage %v before to %v after the trigger, %d segments", trigger.Sub(first).Round(time.Millisecond),
		last.Sub(trigger).Round(time.Millisecond), len(segs))

	// What it kept plays: a clip of the span and the event's own clip,
	// through the API, decoded by ffmpeg. (Playback once refused the
	// event files' names, so nothing an events-only camera kept played.)
	testpeer.Require(t, "ffmpeg")
	c.login("ana", sitePassword)
	span := "start=" + first.UTC().Format(time.RFC3339Nano) + "&end=" + last.UTC().Format(time.RFC3339Nano)
	for i, path := range []string{"/api/cameras/" + cam + "/clip.mp4?" + span, "/api/events/" + ev.ID + "/clip.mp4"} {
		code, clip := c.call("GET", path, "")
		if code != http.StatusOK || len(clip) < 1000 {
			t.Fatalf("GET %s: %d, %d bytes: %.200s", path, code, len(clip), clip)
		}
		file := filepath.Join(t.TempDir(), fmt.Sprintf("clip%d.mp4", i))
		if err := os.WriteFile(file, []byte(clip), 0o600); err != nil {
			t.Fatal(err)
		}
		ffmpegDecodes(t, file)
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
