package ui

import (
	"context"
	"net/http"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// cameraResponse is a camera as a household member sees it. It never holds
// stream URLs or credentials: those are for the appliance, not for viewers.
type cameraResponse struct {
	ID          nvr.CameraID          `json:"id"`
	Name        string                `json:"name"`
	HouseholdID nvr.HouseholdPublicID `json:"household_id"` // the public ID, never the row number
	Enabled     bool                  `json:"enabled"`
	HasSub      bool                  `json:"has_sub_stream"`
	CreatedAt   time.Time             `json:"created_at"`
	// State is the main stream's ingest state (streaming, backoff,
	// auth-failed, unreachable, unsupported, disabled, ...).
	State   string           `json:"state,omitempty"`
	Streams []streamResponse `json:"streams,omitempty"`
	// Recording is the recorder's state, measured from the footage it
	// indexes (docs/storage.md): recording, stalled, waiting, armed
	// (events only), off, shutter-closed (privacy shutter), disk-full, over-rate (above the
	// ingest rate ceiling: paused) or "error: ...". RecordingSince is
	// when that state began; RecordingReason says why a camera is stalled.
	Recording       string     `json:"recording,omitempty"`
	RecordingSince  *time.Time `json:"recording_since,omitempty"`
	RecordingReason string     `json:"recording_reason,omitempty"`
	// Words is what the live view says about the camera while it shows no
	// picture (see liveStatus): the page's first rendering and live.js's
	// refresh read the same words from here.
	Words *liveWords `json:"words,omitempty"`
	// Shutter is the camera's privacy shutter; while closed the camera
	// stays listed and every picture of it is refused.
	Shutter *shutterState `json:"shutter,omitempty"`
}

// liveWords is a camera's state in a household's words: badge (streaming,
// reconnecting, offline, unknown), headline ("Camera unreachable since
// 14:02"), advice ("Check its power and network.") and seen ("No picture
// since 14:02."). Never the raw failure text.
type liveWords struct {
	Badge    string `json:"badge"`
	Headline string `json:"headline"`
	// Rec and RecText say whether the camera records now: on, armed
	// (events only), off, waiting or fault, and the words for it.
	Rec     string `json:"rec,omitempty"`
	RecText string `json:"rec_text,omitempty"`
	Advice  string `json:"advice,omitempty"`
	Seen    string `json:"seen,omitempty"`
	// SeenAt is the last frame's time; SeenClock is how Headline and Seen
	// write it (the server's zone), for a page to write it in its own.
	SeenAt    *time.Time `json:"seen_at,omitempty"`
	SeenClock string     `json:"seen_clock,omitempty"`
}

// streamResponse is one stream's live state.
type streamResponse struct {
	Stream    string     `json:"stream"`
	State     string     `json:"state"`
	Since     time.Time  `json:"since"`
	LastFrame *time.Time `json:"last_frame,omitempty"` // when a frame last arrived
	// LastError is the redacted failure text (URLs, addresses, Go error
	// chains): diagnosis for those who manage the camera, so it is left
	// out for everyone else (see mayDiagnose).
	LastError   string     `json:"last_error,omitempty"`
	NextAttempt *time.Time `json:"next_attempt,omitempty"`
	Codec       string     `json:"codec,omitempty"`
	Width       int        `json:"width,omitempty"`
	Height      int        `json:"height,omitempty"`
	FPS         float64    `json:"fps"`
	BitrateBps  float64    `json:"bitrate_bps"`
}

// cameraOf answers with c; hid is the public ID of c's household.
func cameraOf(c nvr.Camera, hid nvr.HouseholdPublicID) cameraResponse {
	return cameraResponse{ID: c.ID, Name: c.Name, HouseholdID: hid, Enabled: c.Enabled,
		HasSub: c.SubURL != "", CreatedAt: c.CreatedAt.UTC()}
}

// withStatus adds the live ingest state of a granted camera; hid is the
// public ID of its household ("" for the pages, which do not show it).
func (s *Server) withStatus(ctx context.Context, g nvr.CameraGrant, hid nvr.HouseholdPublicID) cameraResponse {
	r := cameraOf(g.Camera(), hid)
	sh := shutterOf(g.Camera().Shutter, s.now())
	r.Shutter = &sh
	if s.status == nil {
		return r
	}
	st := s.status.Status(g)
	diagnose := s.mayDiagnose(ctx, g)
	r.State = st.State
	r.Recording = st.Recording
	r.RecordingReason = st.RecordingReason
	if !st.RecordingSince.IsZero() {
		t := st.RecordingSince.UTC()
		r.RecordingSince = &t
	}
	for _, ss := range st.Streams {
		sr := streamResponse{Stream: ss.Stream, State: ss.State, Since: ss.Since.UTC(), LastError: ss.LastError,
			Codec: ss.Codec, Width: ss.Width, Height: ss.Height,
			FPS: round2(ss.FPS), BitrateBps: float64(int64(ss.BitrateBps))}
		if !ss.LastFrame.IsZero() {
			t := ss.LastFrame.UTC()
			sr.LastFrame = &t
		}
		if !diagnose {
			sr.LastError = ""
		}
		if !ss.NextAttempt.IsZero() {
			t := ss.NextAttempt.UTC()
			sr.NextAttempt = &t
		}
		r.Streams = append(r.Streams, sr)
	}
	w := liveStatus(r, diagnose, s.now())
	r.Words = &liveWords{Badge: w.Badge, Headline: w.Headline, Advice: w.Advice, Seen: w.Seen, Rec: w.Rec, RecText: w.RecText}
	if !w.SeenAt.IsZero() && w.SeenClock != "" {
		at := w.SeenAt.UTC()
		r.Words.SeenAt, r.Words.SeenClock = &at, w.SeenClock
	}
	return r
}

// mayDiagnose reports whether the principal of g sees the camera's raw
// failure text (and its settings link): whoever the policy lets manage the
// camera, who can act on it (the admin, the owners of its household, not
// their view- or trigger-scope tokens). Others get the words of the UI
// only. The policy decides, as for every action.
func (s *Server) mayDiagnose(ctx context.Context, g nvr.CameraGrant) bool {
	_, err := s.policy.Camera(ctx, g.Principal(), nvr.ActionManageCamera, g.CameraID())
	return err == nil
}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

func (s *Server) handleCameras(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	grants, err := s.policy.VisibleCameras(r.Context(), g.Principal(), nvr.ActionViewCamera)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	hids := s.householdIDs(r.Context())
	out := make([]cameraResponse, 0, len(grants))
	for _, cg := range grants {
		hid, err := hids.of(cg.Camera().HouseholdID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out = append(out, s.withStatus(r.Context(), cg, hid))
	}
	writeJSON(w, http.StatusOK, map[string]any{"cameras": out})
}

func (s *Server) handleCamera(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	hid, err := s.householdIDs(r.Context()).of(g.Camera().HouseholdID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.withStatus(r.Context(), g, hid))
}
