package ui

import (
	"net/http"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/view"
)

// shutterState is a camera's privacy shutter as the API shows it, in the
// camera answers and the shutter route.
type shutterState struct {
	// Closed: the policy refuses every picture of the camera now.
	Closed       bool   `json:"closed"`
	ClosedByHand bool   `json:"closed_by_hand"`
	Schedule     string `json:"schedule"` // "HH:MM-HH:MM" daily (server's time zone), "" none
	// ScheduleClosed: the schedule closes it now (a hand open is refused).
	ScheduleClosed bool `json:"schedule_closed"`
	KeepRecording  bool `json:"keep_recording"`
}

func shutterOf(sh nvr.Shutter, now time.Time) shutterState {
	return shutterState{Closed: sh.ClosedAt(now), ClosedByHand: sh.Closed, Schedule: sh.Schedule.String(),
		ScheduleClosed: sh.Schedule.Contains(now), KeepRecording: sh.KeepRecording}
}

// shutterPeriodResponse is one closed period on the timeline; End is
// absent while it is still closed.
type shutterPeriodResponse struct {
	Start time.Time  `json:"start"`
	End   *time.Time `json:"end,omitempty"`
	Cause string     `json:"cause"` // manual or schedule
}

// shutterRequest switches the shutter. Each field is optional; at least
// one is required. keep_recording is camera configuration and needs the
// manage decision (owners); the rest needs the switch decision (owners and
// members).
type shutterRequest struct {
	Closed        *bool   `json:"closed"`
	Schedule      *string `json:"schedule"` // "HH:MM-HH:MM", "" or "off"
	KeepRecording *bool   `json:"keep_recording"`
}

func (s *Server) handleShutterSwitch(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	if s.shutters == nil {
		s.writeError(w, r, nvr.ErrNotFound)
		return
	}
	var req shutterRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Closed == nil && req.Schedule == nil && req.KeepRecording == nil {
		s.writeError(w, r, nvr.Errorf("switch shutter", nvr.KindInvalid, "give closed (true or false), schedule (HH:MM-HH:MM or off) or keep_recording"))
		return
	}
	ch := nvr.ShutterChange{Closed: req.Closed}
	if req.Schedule != nil {
		win, err := nvr.ParseDailyWindow(*req.Schedule)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		ch.Schedule = &win
	}
	ctx := r.Context()
	var (
		sh  = g.Camera().Shutter
		err error
	)
	if req.KeepRecording != nil {
		mg, merr := s.policy.Camera(ctx, g.Principal(), nvr.ActionManageCamera, g.CameraID())
		if merr != nil {
			s.writeError(w, r, merr)
			return
		}
		if sh, err = s.dir.SetShutterKeepRecording(ctx, mg, *req.KeepRecording); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if ch.Closed != nil || ch.Schedule != nil {
		if sh, err = s.dir.SwitchShutter(ctx, g, ch); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if s.onShutter != nil {
		// Recording and detection react now rather than at their next poll.
		s.onShutter()
	}
	writeJSON(w, http.StatusOK, map[string]any{"camera": g.CameraID(), "shutter": shutterOf(sh, s.now())})
}

// handleShutter answers the camera's shutter state and the periods it was
// closed in [start, end) (default: the last 24 hours, up to a second past
// now so a period begun this instant is in it), for the timeline.
func (s *Server) handleShutter(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	if s.shutters == nil {
		s.writeError(w, r, nvr.ErrNotFound)
		return
	}
	q := r.URL.Query()
	now := s.now()
	start, end := q.Get("start"), q.Get("end")
	if start == "" && end == "" {
		start, end = now.Add(-24*time.Hour).UTC().Format(time.RFC3339), now.Add(time.Second).UTC().Format(time.RFC3339Nano)
	}
	tr, err := view.ParseTimeRange(start, end, 31*24*time.Hour)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	periods, err := s.shutters.History(r.Context(), g, tr.Start, tr.End)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]shutterPeriodResponse, 0, len(periods))
	for _, p := range periods {
		pr := shutterPeriodResponse{Start: p.Start.UTC(), Cause: p.Cause}
		if !p.End.IsZero() {
			e := p.End.UTC()
			pr.End = &e
		}
		out = append(out, pr)
	}
	writeJSON(w, http.StatusOK, map[string]any{"camera": g.CameraID(), "shutter": shutterOf(g.Camera().Shutter, now),
		"periods": out})
}
