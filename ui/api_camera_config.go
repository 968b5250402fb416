package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ingest"
)

// Camera configuration for owners (their household's cameras) and the
// appliance admin (any camera), and the "test connection" probe. Stream
// passwords are write-only: an empty password field keeps the stored one.

// Prober tests a camera stream; ingest.ProbeCamera in production.
type Prober func(ctx context.Context, req ingest.ProbeRequest) (ingest.ProbeResult, error)

// probeTimeout bounds a test connection started from the UI.
const probeTimeout = 8 * time.Second

// maxProbes bounds concurrent test connections, so the button cannot be
// turned into a flood of outgoing connections.
const maxProbes = 4

// errLocalCamera refuses, for anyone but the admin, a URL that points at
// the appliance itself or a link-local address: a household must not use
// Hearth to reach services on its own host.
var errLocalCamera = nvr.Errorf("camera url", nvr.KindInvalid,
	"camera URL must not point at this appliance (loopback) or a link-local address: "+
		"only the appliance admin can set such an address (for a restreamer running on this machine, say), "+
		"in the camera's settings or with hearth camera add/edit")

// checkCameraHost applies the loopback and link-local rule to a raw URL,
// resolving a host name first.
func (s *Server) checkCameraHost(ctx context.Context, u nvr.User, raw string) error {
	if raw == "" || u.Admin {
		return nil
	}
	p, err := nvr.ParseCameraURL(raw)
	if err != nil {
		return err
	}
	parsed, err := url.Parse(p.URL)
	if err != nil {
		return errInvalid("camera URL is not a valid URL")
	}
	if nvr.LocalCameraHost(ctx, parsed.Hostname(), s.lookup) {
		return errLocalCamera
	}
	return nil
}

// checkONVIFHost is checkCameraHost for an ONVIF address (http/https).
func (s *Server) checkONVIFHost(ctx context.Context, u nvr.User, raw string) error {
	if u.Admin {
		return nil
	}
	norm, err := nvr.ParseONVIFURL(raw)
	if err != nil {
		return err
	}
	parsed, err := url.Parse(norm)
	if err != nil {
		return errInvalid("the ONVIF address is not a valid URL")
	}
	if nvr.LocalCameraHost(ctx, parsed.Hostname(), s.lookup) {
		return errLocalCamera
	}
	return nil
}

// sameCameraURL reports whether raw is the stored camera URL, once
// normalized as it would be stored (credentials are kept apart).
func sameCameraURL(raw, stored string) bool {
	if raw == stored {
		return true
	}
	p, err := nvr.ParseCameraURL(raw)
	return err == nil && stored != "" && p.URL == stored
}

type householdCameraRequest struct {
	Name      string        `json:"name"`
	MainURL   string        `json:"main_url"`
	SubURL    string        `json:"sub_url"`
	Username  string        `json:"username"`
	Password  string        `json:"password"`
	Transport nvr.Transport `json:"transport"`
	// ONVIFURL, from "Find via ONVIF", keeps the device for its events and
	// PTZ (on the main stream's host); EventSource picks which events count.
	ONVIFURL    string          `json:"onvif_url"`
	EventSource nvr.EventSource `json:"event_source"`
}

// handleHouseholdAddCamera adds a camera to the owner's own household.
func (s *Server) handleHouseholdAddCamera(w http.ResponseWriter, r *http.Request, g nvr.HouseholdGrant) {
	var req householdCameraRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, raw := range []string{req.MainURL, req.SubURL} {
		if err := s.checkCameraHost(r.Context(), g.User(), raw); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if req.ONVIFURL != "" {
		if err := s.checkONVIFHost(r.Context(), g.User(), req.ONVIFURL); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	// The household's directory decides whether the camera may reach this
	// appliance (only the admin's may); the ingest enforces it at every
	// dial (rebinding-proof).
	c, err := s.dir.ForHousehold(g).AddCamera(r.Context(), nvr.NewCamera{Name: req.Name,
		MainURL: req.MainURL, SubURL: req.SubURL, Username: req.Username,
		Password: nvr.NewSecret(req.Password), Transport: req.Transport, ONVIFURL: req.ONVIFURL, EventSource: req.EventSource})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeSavedCamera(w, r, http.StatusCreated, nvr.Camera{}, c)
}

type editCameraRequest struct {
	Name      *string        `json:"name"`
	MainURL   *string        `json:"main_url"`
	SubURL    *string        `json:"sub_url"`
	Username  *string        `json:"username"`
	Password  *string        `json:"password"` // "" or absent: keep the stored one
	Transport *nvr.Transport `json:"transport"`
	Enabled   *bool          `json:"enabled"`
	// ONVIF address ("" removes it) and event source.
	ONVIFURL    *string          `json:"onvif_url"`
	EventSource *nvr.EventSource `json:"event_source"`
	// Recording: continuous, events or off; rolls in seconds (0-300);
	// retention in days (1-3650).
	RecordMode           *nvr.RecordMode `json:"record_mode"`
	PreRollSeconds       *float64        `json:"pre_roll_s"`
	PostRollSeconds      *float64        `json:"post_roll_s"`
	RetainContinuousDays *int            `json:"retain_continuous_days"`
	RetainEventsDays     *int            `json:"retain_events_days"`
	// Event settings: detector, sensitivity, zones, events_enabled.
	detectionRequest
}

// recordingChanges maps the request's recording fields onto ch; the
// directory validates the values.
func (req editCameraRequest) recordingChanges(ch *nvr.CameraChanges) {
	ch.RecordMode = req.RecordMode
	secs := func(v *float64) *time.Duration {
		if v == nil {
			return nil
		}
		d := time.Duration(*v * float64(time.Second)).Round(time.Millisecond)
		return &d
	}
	days := func(v *int) *time.Duration {
		if v == nil {
			return nil
		}
		d := time.Duration(*v) * 24 * time.Hour
		return &d
	}
	ch.PreRoll, ch.PostRoll = secs(req.PreRollSeconds), secs(req.PostRollSeconds)
	ch.RetainContinuous, ch.RetainEvents = days(req.RetainContinuousDays), days(req.RetainEventsDays)
}

// handleEditCamera changes a camera's configuration (owner of its household
// or the admin: ActionManageCamera).
// handleRemoveCamera deletes the granted camera (owners and the admin):
// 204, or 404 as for any camera the caller may not manage.
func (s *Server) handleRemoveCamera(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	if err := s.dir.RemoveCamera(r.Context(), g); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleEditCamera(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	var req editCameraRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	cur := g.Camera()
	for _, u := range []struct {
		raw    *string
		stored string
	}{{req.MainURL, cur.MainURL}, {req.SubURL, cur.SubURL}} {
		// A URL sent back unchanged (the settings form sends every field)
		// keeps the decision made when it was set: an owner may rename the
		// admin's restream on this appliance, whose connect-time check stays
		// as the admin set it (nvr.CameraChanges.LocalOK).
		if u.raw == nil || sameCameraURL(*u.raw, u.stored) {
			continue
		}
		if err := s.checkCameraHost(r.Context(), g.User(), *u.raw); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	ch := nvr.CameraChanges{Name: req.Name, MainURL: req.MainURL, SubURL: req.SubURL, Username: req.Username,
		Transport: req.Transport, Enabled: req.Enabled, ONVIFURL: req.ONVIFURL, EventSource: req.EventSource}
	if req.ONVIFURL != nil && *req.ONVIFURL != cur.ONVIFURL && *req.ONVIFURL != "" {
		if err := s.checkONVIFHost(r.Context(), g.User(), *req.ONVIFURL); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if req.MainURL != nil || req.SubURL != nil || req.ONVIFURL != nil && *req.ONVIFURL != cur.ONVIFURL {
		// Who gave the URLs decides whether the camera may reach this
		// appliance at connect time (see nvr.CameraChanges.LocalOK).
		admin := g.User().Admin
		ch.LocalOK = &admin
	}
	req.recordingChanges(&ch)
	if err := req.detectionChanges(&ch); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Password != nil && *req.Password != "" {
		pw := nvr.NewSecret(*req.Password)
		ch.Password = &pw
	}
	c, err := s.dir.ConfigureCamera(r.Context(), g, ch)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeSavedCamera(w, r, http.StatusOK, cur, c)
}

type probeRequest struct {
	// CameraID, when set, tests with that camera's stored credentials
	// (unless username or password are given, or the URL is on another
	// host than theirs) and needs ActionManageCamera.
	CameraID  nvr.CameraID  `json:"camera_id"`
	URL       string        `json:"url"`
	Username  string        `json:"username"`
	Password  string        `json:"password"`
	Transport nvr.Transport `json:"transport"`
}

type probeResponse struct {
	OK         bool    `json:"ok"`
	Codec      string  `json:"codec,omitempty"`
	Width      int     `json:"width,omitempty"`
	Height     int     `json:"height,omitempty"`
	FPS        float64 `json:"fps,omitempty"`
	ErrorClass string  `json:"error_class,omitempty"` // auth, unreachable, unsupported, no-video, protocol, refused
	Error      string  `json:"error,omitempty"`
	// Notice tells that the camera's stored credentials were not sent,
	// because the tested URL is on another host than the one they were
	// entered for.
	Notice string `json:"notice,omitempty"`
}

const noticeProbeOtherHost = "the stored camera credentials belong to the main stream's host and were not sent " +
	"to this one; enter a user name and password to test with credentials"

// handleProbeCamera is "test connection": DESCRIBE, SETUP, PLAY and the
// first keyframe, bounded by probeTimeout. Only household owners and the
// admin may probe; the answer names codec and size, or a failure class,
// never the credentials.
func (s *Server) handleProbeCamera(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	u := g.User()
	if !u.Admin && (u.Role != nvr.RoleOwner || u.HouseholdID == 0) {
		s.writeError(w, r, nvr.ErrNotFound)
		return
	}
	var req probeRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	pr := ingest.ProbeRequest{URL: req.URL, Username: req.Username, Password: nvr.NewSecret(req.Password),
		Transport: req.Transport, Timeout: probeTimeout,
		// The test dials like the ingest: an owner's test refuses this
		// appliance's addresses at the dial, after the name check above.
		LocalOK: u.Admin, Resolver: s.resolver}
	var notice string
	if req.CameraID != "" {
		cg, err := s.policy.Camera(r.Context(), g.Principal(), nvr.ActionManageCamera, req.CameraID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		c := cg.Camera()
		if pr.URL == "" {
			pr.URL = c.MainURL
		}
		if req.Username == "" && req.Password == "" {
			// The stored credentials go only to the host they were entered
			// for, and never in place of credentials written in the URL:
			// otherwise a test towards a host of one's own would read them.
			if p, err := nvr.ParseCameraURL(pr.URL); err == nil && p.Username == "" && !p.Password.IsSet() {
				pr.Username, pr.Password = c.StreamCredentials(p.URL)
				if pr.Username == "" && !pr.Password.IsSet() && (c.Username != "" || c.Password.IsSet()) {
					notice = noticeProbeOtherHost
				}
			}
		}
		if pr.Transport == "" {
			pr.Transport = c.Transport
		}
	}
	if pr.URL == "" {
		s.writeError(w, r, errInvalid("url is required"))
		return
	}
	if err := s.checkCameraHost(r.Context(), u, pr.URL); err != nil {
		s.writeError(w, r, err)
		return
	}
	select {
	case s.probes <- struct{}{}:
		defer func() { <-s.probes }()
	default:
		s.writeError(w, r, nvr.Errorf("probe camera", nvr.KindUnavailable, "too many connection tests at once; try again"))
		return
	}
	res, err := s.probe(r.Context(), pr)
	var pe *ingest.ProbeError
	switch {
	case errors.As(err, &pe):
		writeJSON(w, http.StatusOK, probeResponse{ErrorClass: pe.Class, Error: pe.Msg, Notice: notice})
	case err != nil:
		s.writeError(w, r, err)
	default:
		writeJSON(w, http.StatusOK, probeResponse{OK: true, Codec: res.Codec, Width: res.Width, Height: res.Height,
			FPS: round2(res.FPS), Notice: notice})
	}
}
