package ui

import (
	"net/http"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/record"
	"github.com/hearthnvr/hearth/ui/views"
)

// badgeOf reduces a camera's ingest state to the badges of the UI:
// streaming, reconnecting (connecting or waiting to retry), offline
// (auth-failed, unreachable, unsupported, ...), off (turned off in Hearth,
// on purpose) and unknown when
// the server reports no ingest state. Why a camera is offline is said in
// words by liveStatus, never by the raw state.
func badgeOf(c cameraResponse) string {
	switch c.State {
	case "streaming":
		return "streaming"
	case "connecting", "backoff", "reconnecting", "starting", "queued", "idle", "stopped":
		return "reconnecting"
	case "":
		return "unknown" // no ingest status on this server
	case "disabled":
		return "off" // turned off on purpose: not a fault
	}
	return "offline"
}

// recordingWords says whether the camera records now, from the
// recorder's measured state (c.Recording): the live badge says only
// whether pictures arrive, and a camera may stream without recording
// (events only, between events; recording off; a full disk). rec is the
// pill's class, text its words; both "" when there is nothing to say (no
// recorder on this server, or a camera turned off, which its badge says).
func recordingWords(c cameraResponse) (rec, text string) {
	if c.State == "disabled" {
		return "", ""
	}
	switch st := c.Recording; {
	case st == "":
		return "", ""
	case st == record.RecordingActive:
		return "on", "Recording"
	case st == record.RecordingArmed:
		return "armed", "Records events only"
	case st == record.RecordingOff:
		return "off", "Not recording"
	case st == record.RecordingShutter:
		return "off", "Not recording: privacy shutter closed"
	case st == record.RecordingWaiting:
		if c.State == "streaming" {
			return "waiting", "Starting to record"
		}
		return "waiting", "Not recording: no picture"
	case st == record.RecordingStalled:
		return "fault", "Recording stalled"
	case st == record.RecordingDiskFull:
		return "fault", "Not recording: disk full"
	case st == record.RecordingOverRate:
		return "fault", "Recording paused: the stream exceeds its rate limit"
	default: // "error: ..."
		return "fault", "Recording failed"
	}
}

// liveStatus says in a household's words what a tile or the camera page
// shows while there is no picture: what is wrong, since when (the last
// frame actually seen, as a state is a measurement), and what to do about
// it. The raw failure text (Go error chains, addresses) is kept for those
// who may diagnose the camera, behind a details toggle. now and the
// times are shown in the server's zone, like the timeline's day.
func liveStatus(c cameraResponse, diagnose bool, now time.Time) views.CameraStatus {
	if c.Shutter != nil && c.Shutter.Closed {
		// No picture on purpose, and none is handed out: say so instead
		// of a connection problem.
		st := views.CameraStatus{Badge: "shutter", Headline: "Privacy shutter closed"}
		switch {
		case c.Shutter.ScheduleClosed && !c.Shutter.ClosedByHand:
			st.Advice = "Closed by its schedule (" + c.Shutter.Schedule + ")."
		case c.Shutter.KeepRecording:
			st.Advice = "Recording continues; viewing is off until it opens."
		default:
			st.Advice = "Nothing is shown or recorded until it opens."
		}
		return st
	}
	// A streaming camera's words are the player's while its picture comes
	// ("Connecting…"): the panel is hidden once it plays.
	st := views.CameraStatus{Badge: badgeOf(c)}
	st.Rec, st.RecText = recordingWords(c)
	var main streamResponse
	if len(c.Streams) > 0 {
		main = c.Streams[0]
	}
	seen := ""
	if main.LastFrame != nil {
		seen = clockOf(*main.LastFrame, now)
		st.SeenAt, st.SeenClock = *main.LastFrame, seen
	}
	owner := func(own, other string) string {
		if diagnose {
			return own
		}
		return other
	}
	switch c.State {
	case "streaming", "", "starting", "queued", "connecting", "idle", "stopped":
		st.Headline = "Connecting…"
	case "backoff", "reconnecting":
		st.Headline = "Lost the camera's picture, trying again"
		if seen == "" {
			// Never a picture: nothing was lost, and what fails is most
			// likely the camera's address (a wrong path, another model's).
			st.Headline = "No picture from the camera yet, trying again"
			st.Advice = owner("If this lasts, check its address with Test connection in its settings.", "If this lasts, an owner of your household can check its settings.")
		}
	case "auth-failed":
		st.Headline = "Camera refused the password"
		st.Advice = owner("Enter the camera's password again in its settings.", "An owner of your household can fix it in Settings.")
	case "unreachable":
		st.Headline = "Camera unreachable"
		st.Advice = "Check its power and network."
		if seen == "" && diagnose {
			// Never reached: a mistyped host name or address fails the same
			// way as a camera without power.
			st.Advice = "Check its power and network, and its address in its settings."
		}
	case "no-stream":
		// The camera answers but has nothing at the URL's path: the address
		// is wrong, not the camera or the network.
		st.Headline = "The camera has no stream at this address"
		st.Advice = owner("Check the part of its URL after the address in its settings (the camera's manual names it).", "An owner of your household can fix its address in Settings.")
	case "unsupported":
		st.Headline = "Camera sends video Hearth cannot show"
		st.Advice = owner("Set it to H.264 or H.265 in the camera's own settings.", "An owner of your household can change the camera's settings.")
	case "disabled":
		st.Headline = "Camera turned off in Hearth"
		st.Advice = owner("Turn it on in its settings.", "An owner of your household can turn it on.")
		return st // off on purpose: no picture is expected, nothing to diagnose
	default:
		st.Headline = "Camera offline"
	}
	if st.Badge != "streaming" && st.Badge != "unknown" {
		if seen != "" {
			st.Seen = "No picture since " + seen + "."
		} else {
			st.Seen = "No picture yet."
		}
		if st.Badge == "offline" && seen != "" {
			st.Headline += " since " + seen
		}
	}
	if diagnose && st.Badge != "streaming" {
		st.Detail = main.LastError
	}
	return st
}

// clockOf is t as a household reads it: the time of day when t is today,
// with the day otherwise.
func clockOf(t, now time.Time) string {
	t, now = t.In(time.Local), now.In(time.Local)
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	return t.Format("Mon 2 Jan 15:04")
}

func (s *Server) handleLivePage(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	// The grid lists the cameras the user may see; each tile's video asks
	// for its own view-live grant (with its audit row) when it connects.
	grants, err := s.policy.VisibleCameras(r.Context(), g.Principal(), nvr.ActionViewCamera)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	m := views.LiveModel{Nav: navOf(g.User(), "live")}
	now := s.now()
	for _, cg := range grants {
		c := s.withStatus(r.Context(), cg, "")
		t := views.Tile{ID: string(c.ID), Name: c.Name, HasSub: c.HasSub,
			Status: liveStatus(c, s.mayDiagnose(r.Context(), cg), now)}
		m.Tiles = append(m.Tiles, t)
	}
	s.render(w, r, http.StatusOK, views.Live(m))
}

func (s *Server) handleCameraPage(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	c := s.withStatus(r.Context(), g, "")
	u := g.User()
	now := s.now()
	diagnose := s.mayDiagnose(r.Context(), g)
	_, switchErr := s.policy.Camera(r.Context(), g.Principal(), nvr.ActionSwitchShutter, g.CameraID())
	_, ptzErr := s.policy.Camera(r.Context(), g.Principal(), nvr.ActionControlPTZ, g.CameraID())
	m := views.CameraModel{Nav: navOf(u, "live"), ID: string(c.ID), Name: c.Name,
		Day: now.Format("2006-01-02"), CanManage: diagnose,
		CanShare: s.shares != nil && s.shares.MayCreate(g, nvr.ShareLive),
		Status:   liveStatus(c, diagnose, now),
		Shutter: views.ShutterView{CanSwitch: switchErr == nil && s.shutters != nil,
			Closed: c.Shutter != nil && c.Shutter.Closed, Schedule: g.Camera().Shutter.Schedule.String()},
		PTZ: ptzErr == nil && g.Camera().ONVIFURL != ""}
	// The cameras this user may watch besides this one, to open at the
	// same moment (the policy decides again when one is opened).
	others, err := s.policy.VisibleCameras(r.Context(), g.Principal(), nvr.ActionViewCamera)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, o := range others {
		if o.CameraID() != g.CameraID() {
			m.Others = append(m.Others, views.CameraOption{ID: string(o.CameraID()), Name: o.Camera().Name})
		}
	}
	s.render(w, r, http.StatusOK, views.Camera(m))
}

func (s *Server) handleEventsPage(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	grants, err := s.policy.VisibleCameras(r.Context(), g.Principal(), nvr.ActionViewCamera)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	// Whether to offer Pin is the policy's answer too (pin rights are the
	// same on every camera of a household); the pin routes ask it again.
	pinnable, err := s.policy.VisibleCameras(r.Context(), g.Principal(), nvr.ActionPinEvents)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	q := r.URL.Query()
	u := g.User()
	m := views.EventsModel{Nav: navOf(u, "events"), Day: q.Get("day"), Kind: q.Get("kind"), Show: "unreviewed",
		CanManage: u.Role == nvr.RoleOwner && u.HouseholdID != 0, CanPin: len(pinnable) > 0}
	for _, cg := range grants {
		m.Cameras = append(m.Cameras, views.CameraOption{ID: string(cg.CameraID()), Name: cg.Camera().Name})
		if string(cg.CameraID()) == q.Get("camera") {
			m.Camera = q.Get("camera") // only a visible camera is kept selected
		}
	}
	// Unreviewed is the default, as on Frigate's review page: what is
	// left to look at. Only the offered values are kept.
	for _, o := range views.EventShows {
		if o.Value == q.Get("show") {
			m.Show = o.Value
		}
	}
	s.render(w, r, http.StatusOK, views.Events(m))
}
