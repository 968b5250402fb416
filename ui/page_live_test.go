package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/ui/views"
)

// TestLiveStatusWords: what a tile says for each ingest state, in words,
// with "since" taken from the last frame seen; the raw failure text only
// for those who may diagnose the camera.
func TestLiveStatusWords(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 4, 15, 30, 0, 0, time.Local)
	today := now.Add(-88 * time.Minute) // 14:02
	yesterday := time.Date(2026, 3, 3, 9, 5, 0, 0, time.Local)
	const raw = "unreachable (camera 80c7 main: describe rtsp://10.0.0.9/x: dial tcp 10.0.0.9:554: no route to host)"
	cam := func(state string, lastFrame *time.Time) cameraResponse {
		return cameraResponse{State: state, Streams: []streamResponse{{Stream: "main", State: state, LastFrame: lastFrame, LastError: raw}}}
	}
	for _, tc := range []struct {
		name     string
		c        cameraResponse
		diagnose bool
		want     views.CameraStatus
	}{
		{"unreachable since today", cam("unreachable", &today), false, views.CameraStatus{Badge: "offline",
			Headline: "Camera unreachable since 14:02", Advice: "Check its power and network.", Seen: "No picture since 14:02."}},
		{"unreachable since yesterday, owner", cam("unreachable", &yesterday), true, views.CameraStatus{Badge: "offline",
			Headline: "Camera unreachable since Tue 3 Mar 09:05", Advice: "Check its power and network.", Seen: "No picture since Tue 3 Mar 09:05.", Detail: raw}},
		{"never seen", cam("unreachable", nil), false, views.CameraStatus{Badge: "offline",
			Headline: "Camera unreachable", Advice: "Check its power and network.", Seen: "No picture yet."}},
		{"never seen, owner", cam("unreachable", nil), true, views.CameraStatus{Badge: "offline",
			Headline: "Camera unreachable", Advice: "Check its power and network, and its address in its settings.", Seen: "No picture yet.", Detail: raw}},
		{"no stream at the path, owner", cam("no-stream", nil), true, views.CameraStatus{Badge: "offline",
			Headline: "The camera has no stream at this address", Advice: "Check the part of its URL after the address in its settings (the camera's manual names it).", Seen: "No picture yet.", Detail: raw}},
		{"no stream at the path, member", cam("no-stream", nil), false, views.CameraStatus{Badge: "offline",
			Headline: "The camera has no stream at this address", Advice: "An owner of your household can fix its address in Settings.", Seen: "No picture yet."}},
		{"password, member", cam("auth-failed", nil), false, views.CameraStatus{Badge: "offline",
			Headline: "Camera refused the password", Advice: "An owner of your household can fix it in Settings.", Seen: "No picture yet."}},
		{"password, owner", cam("auth-failed", nil), true, views.CameraStatus{Badge: "offline",
			Headline: "Camera refused the password", Advice: "Enter the camera's password again in its settings.", Seen: "No picture yet.", Detail: raw}},
		{"retrying", cam("connecting", &today), false, views.CameraStatus{Badge: "reconnecting",
			Headline: "Connecting…", Seen: "No picture since 14:02."}},
		{"retrying after a picture", cam("backoff", &today), false, views.CameraStatus{Badge: "reconnecting",
			Headline: "Lost the camera's picture, trying again", Seen: "No picture since 14:02."}},
		{"retrying, never a picture, owner", cam("backoff", nil), true, views.CameraStatus{Badge: "reconnecting",
			Headline: "No picture from the camera yet, trying again", Advice: "If this lasts, check its address with Test connection in its settings.",
			Seen: "No picture yet.", Detail: raw}},
		{"retrying, never a picture, member", cam("backoff", nil), false, views.CameraStatus{Badge: "reconnecting",
			Headline: "No picture from the camera yet, trying again", Advice: "If this lasts, an owner of your household can check its settings.",
			Seen: "No picture yet."}},
		{"streaming", cam("streaming", &now), true, views.CameraStatus{Badge: "streaming", Headline: "Connecting…"}},
		{"turned off", cameraResponse{State: "disabled"}, false, views.CameraStatus{Badge: "off",
			Headline: "Camera turned off in Hearth", Advice: "An owner of your household can turn it on."}},
		{"no ingest status", cameraResponse{}, false, views.CameraStatus{Badge: "unknown", Headline: "Connecting…"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := liveStatus(tc.c, tc.diagnose, now)
			// The moment the page rewrites in the reader's zone is the last
			// frame, written as the words write it.
			if lf := tc.c.Streams; len(lf) > 0 && lf[0].LastFrame != nil {
				if !got.SeenAt.Equal(*lf[0].LastFrame) || got.SeenClock != clockOf(*lf[0].LastFrame, now) ||
					(got.Seen != "" && !strings.Contains(got.Seen, got.SeenClock)) {
					t.Errorf("seen at %v written %q, words %q", got.SeenAt, got.SeenClock, got.Seen)
				}
			} else if !got.SeenAt.IsZero() || got.SeenClock != "" {
				t.Errorf("no frame seen, yet seen at %v %q", got.SeenAt, got.SeenClock)
			}
			got.SeenAt, got.SeenClock = time.Time{}, ""
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// TestRecordingWords: the camera page says whether the camera records
// now, from the recorder's measured state, apart from whether pictures
// arrive: a streaming camera may record, record events only, or not
// record at all, and a household could not tell them apart (the badge
// said "streaming" for all three).
func TestRecordingWords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		state, recording, rec, text string
	}{
		{"streaming", "recording", "on", "Recording"},
		{"streaming", "armed", "armed", "Records events only"},
		{"streaming", "off", "off", "Not recording"},
		{"streaming", "waiting", "waiting", "Starting to record"},
		{"unreachable", "waiting", "waiting", "Not recording: no picture"},
		{"streaming", "stalled", "fault", "Recording stalled"},
		{"streaming", "disk-full", "fault", "Not recording: disk full"},
		{"streaming", "shutter-closed", "off", "Not recording: privacy shutter closed"},
		{"streaming", "error: open segment: permission denied", "fault", "Recording failed"},
		{"disabled", "off", "", ""}, // the badge says "off"
		{"streaming", "", "", ""},   // no recorder on this server
	} {
		rec, text := recordingWords(cameraResponse{State: tc.state, Recording: tc.recording})
		if rec != tc.rec || text != tc.text {
			t.Errorf("%s/%s: %q %q, want %q %q", tc.state, tc.recording, rec, text, tc.rec, tc.text)
		}
		if st := liveStatus(cameraResponse{State: tc.state, Recording: tc.recording}, false, time.Now()); st.Rec != tc.rec || st.RecText != tc.text {
			t.Errorf("%s/%s: liveStatus carries %q %q", tc.state, tc.recording, st.Rec, st.RecText)
		}
	}
}
