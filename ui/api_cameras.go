package ui

import (
	"net/http"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// cameraResponse is a camera as a household member sees it. It never holds
// stream URLs or credentials: those are for the appliance, not for viewers.
type cameraResponse struct {
	ID          nvr.CameraID    `json:"id"`
	Name        string          `json:"name"`
	HouseholdID nvr.HouseholdID `json:"household_id"`
	Enabled     bool            `json:"enabled"`
	HasSub      bool            `json:"has_sub_stream"`
	CreatedAt   time.Time       `json:"created_at"`
	// State is the main stream's ingest state (streaming, backoff,
	// auth-failed, unreachable, unsupported, disabled, ...).
	State   string           `json:"state,omitempty"`
	Streams []streamResponse `json:"streams,omitempty"`
	// Recording is the recorder's state, measured from the footage it
	// indexes (docs/storage.md): recording, stalled, waiting, armed
	// (events only), off, disk-full or "error: ...". RecordingSince is
	// when that state began; RecordingReason says why a camera is stalled.
	Recording       string     `json:"recording,omitempty"`
	RecordingSince  *time.Time `json:"recording_since,omitempty"`
	RecordingReason string     `json:"recording_reason,omitempty"`
}

// streamResponse is one stream's live state.
type streamResponse struct {
	Stream      string     `json:"stream"`
	State       string     `json:"state"`
	Since       time.Time  `json:"since"`
	LastError   string     `json:"last_error,omitempty"`
	NextAttempt *time.Time `json:"next_attempt,omitempty"`
	Codec       string     `json:"codec,omitempty"`
	Width       int        `json:"width,omitempty"`
	Height      int        `json:"height,omitempty"`
	FPS         float64    `json:"fps"`
	BitrateBps  float64    `json:"bitrate_bps"`
}

func cameraOf(c nvr.Camera) cameraResponse {
	return cameraResponse{ID: c.ID, Name: c.Name, HouseholdID: c.HouseholdID, Enabled: c.Enabled,
		HasSub: c.SubURL != "", CreatedAt: c.CreatedAt.UTC()}
}

// withStatus adds the live ingest state of a granted camera.
func (s *Server) withStatus(g nvr.CameraGrant) cameraResponse {
	r := cameraOf(g.Camera())
	if s.status == nil {
		return r
	}
	st := s.status.Status(g)
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
		if !ss.NextAttempt.IsZero() {
			t := ss.NextAttempt.UTC()
			sr.NextAttempt = &t
		}
		r.Streams = append(r.Streams, sr)
	}
	return r
}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

func (s *Server) handleCameras(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	grants, err := s.policy.VisibleCameras(r.Context(), g.Principal(), nvr.ActionViewCamera)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]cameraResponse, 0, len(grants))
	for _, cg := range grants {
		out = append(out, s.withStatus(cg))
	}
	writeJSON(w, http.StatusOK, map[string]any{"cameras": out})
}

func (s *Server) handleCamera(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	writeJSON(w, http.StatusOK, s.withStatus(g))
}
