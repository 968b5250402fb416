package ui

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/record"
	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/ui/views"
)

// Settings pages. Each reads through its grant and hands a view model to a
// pure component; changes go through the JSON API (settings.js), which
// decides again on every request.

func settingsNavOf(u nvr.User, active string) views.SettingsNav {
	return views.SettingsNav{Owner: u.Role == nvr.RoleOwner && u.HouseholdID != 0, Admin: u.Admin, Active: active}
}

func (s *Server) handleSettingsPage(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	http.Redirect(w, r, "/settings/account", http.StatusSeeOther)
}

func (s *Server) handleAccountPage(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	ctx := r.Context()
	u := g.User()
	m := views.AccountModel{Nav: navOf(u, "settings"), SN: settingsNavOf(u, "account"), Name: u.Name, Role: string(u.Role)}
	if u.HouseholdID != 0 {
		if h, err := s.dir.UserHousehold(ctx, g); err == nil {
			m.Household = h.Name
		}
	}
	sessions, err := s.dir.UserSessions(ctx, g)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, x := range sessions {
		m.Sessions = append(m.Sessions, views.SessionRow{ID: x.PublicID, Created: x.CreatedAt, LastSeen: x.LastSeenAt,
			Client:  describeClient(x.ClientAddr, x.UserAgent),
			Current: g.Principal().Kind == nvr.CredentialSession && g.Principal().CredentialID == x.ID})
	}
	tokens, err := s.dir.UserTokens(ctx, g)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, t := range tokens {
		m.Tokens = append(m.Tokens, views.TokenRow{ID: t.PublicID, Name: t.Name, Scope: string(t.Scope),
			Created: t.CreatedAt, LastUsed: t.LastUsedAt, Expires: t.ExpiresAt})
	}
	s.render(w, r, http.StatusOK, views.Account(m))
}

func (s *Server) handlePeoplePage(w http.ResponseWriter, r *http.Request, g nvr.HouseholdGrant) {
	ctx := r.Context()
	hd := s.dir.ForHousehold(g)
	members, err := hd.Members(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	cams, err := hd.Cameras(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	u := g.User()
	m := views.PeopleModel{Nav: navOf(u, "settings"), SN: settingsNavOf(u, "people")}
	for _, p := range members {
		row := views.MemberRow{ID: p.PublicID, Name: p.Name, Role: string(p.Role), Viewer: p.Role == nvr.RoleViewer,
			Disabled: p.Disabled, Self: p.ID == u.ID || p.Admin}
		if row.Viewer {
			on := make(map[nvr.CameraID]bool, len(p.Cameras))
			for _, id := range p.Cameras {
				on[id] = true
			}
			for _, c := range cams {
				row.Access = append(row.Access, views.AccessBox{CameraID: string(c.ID), Camera: c.Name, On: on[c.ID]})
			}
		}
		m.Members = append(m.Members, row)
	}
	s.render(w, r, http.StatusOK, views.People(m))
}

// cameraRowOf is a camera for a settings list: its state and its URL, which
// is stored without credentials.
func (s *Server) cameraRowOf(r *http.Request, p nvr.Principal, c nvr.Camera) views.CameraRow {
	row := views.CameraRow{ID: string(c.ID), Name: c.Name, MainURL: c.MainURL, HasSub: c.SubURL != "", State: "Unknown",
		Records: recordsWords(c)}
	if g, err := s.policy.Camera(r.Context(), p, nvr.ActionManageCamera, c.ID); err == nil {
		st := liveStatus(s.withStatus(r.Context(), g, ""), true, s.now())
		row.State, row.SeenAt, row.SeenClock = stateWordsOf(st), st.SeenAt, st.SeenClock
		row.Rec, row.RecText = st.Rec, st.RecText
	}
	return row
}

// recordsWords is what a camera keeps, as a settings list says it.
func recordsWords(c nvr.Camera) string {
	if !c.Enabled {
		return "Nothing: the camera is turned off"
	}
	switch c.RecordMode {
	case nvr.RecordEvents:
		return fmt.Sprintf("Events only (%s before, %s after)", durationWords(c.PreRoll), durationWords(c.PostRoll))
	case nvr.RecordOff:
		return "Nothing"
	}
	return "Everything"
}

// durationWords is a short duration as a household writes it: "5 s",
// "1 min 30 s".
func durationWords(d time.Duration) string {
	d = d.Round(time.Second)
	m, s := int(d/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case m == 0:
		return fmt.Sprintf("%d s", s)
	case s == 0:
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d min %d s", m, s)
}

// stateWordsOf is a camera's state as a settings list says it: the words
// of the live page's status (liveStatus), never the ingest's raw state
// ("auth-failed", "backoff"), which a household does not read.
func stateWordsOf(st views.CameraStatus) string {
	switch st.Badge {
	case "streaming":
		return "Streaming"
	case "unknown":
		return "Unknown"
	}
	return st.Headline
}

func (s *Server) handleHouseholdCamerasPage(w http.ResponseWriter, r *http.Request, g nvr.HouseholdGrant) {
	cams, err := s.dir.ForHousehold(g).Cameras(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	u := g.User()
	m := views.CamerasModel{Nav: navOf(u, "settings"), SN: settingsNavOf(u, "cameras"), Title: "Cameras",
		AddAPI: "/api/household/cameras", RemoveAPI: "/api/cameras/"}
	for _, c := range cams {
		m.Cameras = append(m.Cameras, s.cameraRowOf(r, g.Principal(), c))
	}
	s.render(w, r, http.StatusOK, views.Cameras(m))
}

// handleCameraEditPage edits one camera (owner of its household, or the
// admin). The stored password is never part of the page.
func (s *Server) handleCameraEditPage(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	m := s.cameraEditModel(r.Context(), g)
	m.Detection.Saved = r.URL.Query().Get("saved") == "detection"
	s.render(w, r, http.StatusOK, views.CameraEdit(m))
}

// cameraEditModel is the camera's settings page as stored, with what the
// disk holds of its household's footage when that is less than the
// camera keeps.
func (s *Server) cameraEditModel(ctx context.Context, g nvr.CameraGrant) views.CameraEditModel {
	m := cameraSettingsModel(g)
	if s.storage != nil {
		m.Recording.FitNote = retentionFitNote(s.storage.Status(), g.Camera())
	}
	// What the camera is doing now, in the grid's words: a wrong password
	// is fixed here, and the page used to say nothing of it.
	m.Now = settingsStatusOf(liveStatus(s.withStatus(ctx, g, ""), true, s.now()))
	m.Detection.Running = runningDetectorWords(g.Camera(), s.cfg.FFmpeg)
	return m
}

// runningDetectorWords says which motion detector runs for the camera as
// saved, and why when it is not the one chosen: zones drawn for a camera
// whose Automatic detector is frame sizes were ignored without a word.
func runningDetectorWords(c nvr.Camera, ffmpeg bool) string {
	d := c.Detection.WithDefaults()
	hasSub := c.SubURL != ""
	switch d.Running(hasSub, ffmpeg) {
	case nvr.DetectorOff:
		return ""
	case nvr.DetectorPixel:
		return "Running now: picture analysis. Zones and masks apply."
	}
	const noZones = " Zones and masks have no effect with it"
	switch {
	case d.Detector == nvr.DetectorBitstream:
		return "Running now: frame sizes." + noZones + "."
	case !ffmpeg:
		return "Running now: frame sizes, because ffmpeg is not installed on the appliance." + noZones + "."
	default: // Automatic, no sub stream
		return "Running now: frame sizes, because this camera has no sub stream to analyse." + noZones +
			": to use them, add its sub stream above or choose Picture analysis (it then decodes the main stream, at more CPU)."
	}
}

// settingsStatusOf is a camera's state as its settings page says it: the
// live page's words, "Streaming" rather than the player's "Connecting…".
func settingsStatusOf(st views.CameraStatus) views.CameraStatus {
	if st.Badge == "streaming" {
		return views.CameraStatus{Badge: st.Badge, Headline: "Streaming", Rec: st.Rec, RecText: st.RecText}
	}
	st.Detail = "" // the grid's toggle holds it; the form's Test connection says more
	st.Advice = strings.ReplaceAll(st.Advice, " in its settings", " below")
	return st
}

// retentionFitNote says, when the space the camera's household may fill
// holds fewer days of its footage (at the rate recorded so far) than the
// camera is set to keep, that the oldest will go sooner; else "". A
// household that sets 30 days on a disk that holds 6 finds out only when
// it looks for footage a week old.
func retentionFitNote(st record.RetentionStatus, c nvr.Camera) string {
	fit, ok := st.HouseholdFitDays(c.HouseholdID)
	if !ok {
		return ""
	}
	keep := c.RetainEvents
	if c.RecordMode == nvr.RecordContinuous {
		keep = max(keep, c.RetainContinuous)
	}
	want := keep.Hours() / 24
	if want <= 0 || fit >= want {
		return ""
	}
	days := "less than a day"
	if fit >= 1.5 {
		days = "about " + strconv.Itoa(int(fit+0.5)) + " days"
	} else if fit >= 1 {
		days = "about a day"
	}
	return "At the rate this household has recorded, the disk space it may fill holds " + days +
		" of its footage, so the oldest is deleted to make room before " + strconv.Itoa(int(want+0.5)) +
		" days. To keep more: record on events only, use a lower-quality stream, or add disk space."
}

// cameraSettingsModel is the camera's settings page as stored.
func cameraSettingsModel(g nvr.CameraGrant) views.CameraEditModel {
	c := g.Camera()
	u := g.User()
	active := "cameras"
	if u.Admin && u.HouseholdID != c.HouseholdID {
		active = "admin-cameras"
	}
	d := detectionOf(c)
	return views.CameraEditModel{Nav: navOf(u, "settings"), SN: settingsNavOf(u, active), Camera: views.CameraForm{
		ID: string(c.ID), Name: c.Name, MainURL: c.MainURL, SubURL: c.SubURL, Transport: string(c.Transport),
		Enabled: c.Enabled, HasCredentials: c.Username != "" || c.Password.IsSet(),
		ONVIFURL: c.ONVIFURL, EventSource: string(eventSourceOf(c))},
		Recording: views.RecordingForm{Mode: string(c.RecordMode),
			PreRollSeconds:       strconv.FormatFloat(c.PreRoll.Seconds(), 'f', -1, 64),
			PostRollSeconds:      strconv.FormatFloat(c.PostRoll.Seconds(), 'f', -1, 64),
			RetainContinuousDays: strconv.Itoa(int(c.RetainContinuous / (24 * time.Hour))),
			RetainEventsDays:     strconv.Itoa(int(c.RetainEvents / (24 * time.Hour)))},
		Detection: views.DetectionForm{Detector: string(d.Detector), Sensitivity: strconv.Itoa(d.Sensitivity),
			Zones: nvr.ZonesText(d.Zones), EventsOn: d.EventsEnabled}}
}

// handleNotificationsPage shows the user's own channels and rules; the
// camera choices are the cameras the policy lets them see now.
func (s *Server) handleNotificationsPage(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	if s.notes == nil {
		s.pageError(w, r, nvr.ErrNotFound)
		return
	}
	ctx := r.Context()
	u := g.User()
	m := views.NotifyModel{Nav: navOf(u, "settings"), SN: settingsNavOf(u, "notifications"), Admin: u.Admin,
		Push: s.vapidKey != "", Email: s.email}
	chs, err := s.notes.Channels(ctx, g)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, c := range chs {
		d := s.lastDelivery(c)
		m.Channels = append(m.Channels, views.NotifyChannelRow{ID: string(c.ID), Kind: string(c.Kind), Name: c.Name,
			Target: shownTarget(c), SecretSet: c.Secret.IsSet(),
			LastSent: d.LastSent, LastFailed: d.LastFailed, Failure: d.Failure, Failing: d.Failing()})
	}
	grants, err := s.policy.VisibleCameras(ctx, g.Principal(), nvr.ActionViewCamera)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	names := map[nvr.CameraID]string{}
	for _, cg := range grants {
		names[cg.CameraID()] = cg.Camera().Name
		m.Cameras = append(m.Cameras, views.CameraOption{ID: string(cg.CameraID()), Name: cg.Camera().Name})
	}
	rules, err := s.notes.Rules(ctx, g)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, rule := range rules {
		row := views.NotifyRuleRow{ID: string(rule.ID), Labels: strings.Join(rule.Labels, ", "), Quiet: "none",
			Cooldown: "no limit", Thumbnail: rule.Thumbnail}
		switch name, ok := names[rule.CameraID]; {
		case rule.CameraID == "":
			row.Camera = "Every camera"
		case ok:
			row.Camera = name
		default:
			// Its camera moved away or was unassigned: nothing is sent.
			row.Camera = "A camera you no longer see"
		}
		var kinds []string
		for _, k := range rule.Kinds {
			kinds = append(kinds, notifyKindWords(k))
		}
		row.Kinds = strings.Join(kinds, ", ")
		if rule.QuietStart != rule.QuietEnd {
			row.Quiet = minutesClock(rule.QuietStart) + "–" + minutesClock(rule.QuietEnd)
		}
		if rule.Cooldown > 0 {
			row.Cooldown = view.DurationWords(rule.Cooldown)
		}
		m.Rules = append(m.Rules, row)
	}
	s.render(w, r, http.StatusOK, views.Notifications(m))
}

func notifyKindWords(k nvr.NotifyKind) string {
	switch k {
	case nvr.NotifyMotion:
		return "motion"
	case nvr.NotifyTrigger:
		return "triggers"
	case nvr.NotifyOffline:
		return "going offline"
	case nvr.NotifyOnline:
		return "coming back"
	case nvr.NotifyStalled:
		return "recording stopping"
	case nvr.NotifyStorageLow:
		return "storage low"
	}
	return string(k)
}
