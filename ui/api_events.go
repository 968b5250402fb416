package ui

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/events"
)

// eventResponse is one event in the API. Labels are plain data: JSON
// escapes them, and nothing ever passes them to a shell or a file name.
type eventResponse struct {
	ID        string     `json:"id"` // random, like a camera's: no counter shared by households
	Camera    string     `json:"camera"`
	Kind      string     `json:"kind"`
	Label     string     `json:"label"`
	Start     time.Time  `json:"start"`
	End       *time.Time `json:"end"` // null while the event is open
	Open      bool       `json:"open"`
	Score     float64    `json:"score"`
	Zones     []string   `json:"zones"`
	Pinned    bool       `json:"pinned"`
	Reviewed  bool       `json:"reviewed"`            // by the caller: marks are per user
	Thumbnail string     `json:"thumbnail,omitempty"` // URL, when there is one
	Clip      string     `json:"clip"`
}

func eventJSON(e nvr.Event) eventResponse {
	id := string(e.ID)
	out := eventResponse{ID: id, Camera: string(e.CameraID), Kind: string(e.Kind), Label: e.Label,
		Start: e.Start.UTC(), Open: e.Open(), Score: e.Score, Zones: e.Zones, Pinned: e.Pinned,
		Reviewed: e.Reviewed, Clip: "/api/events/" + id + "/clip.mp4"}
	if out.Zones == nil {
		out.Zones = []string{}
	}
	if !e.Open() {
		end := e.End.UTC()
		out.End = &end
	}
	if e.ThumbType != "" {
		out.Thumbnail = "/api/events/" + id + "/thumbnail"
	}
	return out
}

// parseEventFilter reads the listing's query parameters; each bad one is
// a 400 that names it.
func parseEventFilter(r *http.Request) (events.EventFilter, error) {
	q := r.URL.Query()
	var f events.EventFilter
	if v := q.Get("camera"); v != "" {
		f.Camera = nvr.CameraID(v) // the policy refuses a malformed ID as not found
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"start", &f.Start}, {"end", &f.End}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return f, errInvalid("%s is not an RFC 3339 time", p.name)
			}
			*p.dst = t
		}
	}
	if v := q.Get("kind"); v != "" {
		k, err := nvr.ParseEventKind(v)
		if err != nil {
			return f, err
		}
		f.Kind = k
	}
	f.Label = q.Get("label") // checked by nvr: printable, at most 64 characters
	switch q.Get("reviewed") {
	case "":
	case "true":
		f.Reviewed = nvr.ReviewOnlyMarked
	case "false":
		f.Reviewed = nvr.ReviewOnlyUnmarked
	default:
		return f, errInvalid("reviewed must be true or false")
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > events.MaxEventLimit {
			return f, errInvalid("limit must be 1 to %d", events.MaxEventLimit)
		}
		f.Limit = n
	}
	f.Cursor = q.Get("cursor")
	return f, nil
}

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	if s.events == nil {
		writeJSON(w, http.StatusOK, map[string]any{"events": []eventResponse{}})
		return
	}
	f, err := parseEventFilter(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.events.List(r.Context(), g.Principal(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]eventResponse, 0, len(page.Events))
	for _, e := range page.Events {
		out = append(out, eventJSON(e))
	}
	body := map[string]any{"events": out}
	if page.Next != "" {
		body["next"] = page.Next
	}
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) handleEvent(w http.ResponseWriter, r *http.Request, g nvr.EventGrant) {
	ev, err := s.withReview(r, g, g.Event())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, http.StatusOK, eventJSON(ev))
}

// handleEventThumbnail serves the file named by the event row read under
// the grant. An event's thumbnail can be replaced by a better one while
// the event is open, so caches must revalidate.
func (s *Server) handleEventThumbnail(w http.ResponseWriter, r *http.Request, g nvr.EventGrant) {
	f, ct, err := s.events.Thumbnail(g)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "private, no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

func (s *Server) handleEventClip(w http.ResponseWriter, r *http.Request, g nvr.EventGrant) {
	if s.playback == nil {
		s.writeError(w, r, nvr.Errorf("clip", nvr.KindUnavailable, "recording is not enabled"))
		return
	}
	tr, err := s.events.ClipRange(g)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.serveClip(w, r, g.CameraGrant(), tr, nil)
}

type pinRequest struct {
	Pinned *bool `json:"pinned"`
}

// handleEventPin pins an event; a body {"pinned": false} unpins it.
func (s *Server) handleEventPin(w http.ResponseWriter, r *http.Request, g nvr.EventGrant) {
	pinned := true
	if r.ContentLength != 0 {
		var req pinRequest
		if err := decodeJSON(r, &req); err != nil {
			s.writeError(w, r, err)
			return
		}
		if req.Pinned != nil {
			pinned = *req.Pinned
		}
	}
	s.pin(w, r, g, pinned)
}

func (s *Server) handleEventUnpin(w http.ResponseWriter, r *http.Request, g nvr.EventGrant) {
	s.pin(w, r, g, false)
}

func (s *Server) pin(w http.ResponseWriter, r *http.Request, g nvr.EventGrant, pinned bool) {
	ev, err := s.events.Pin(r.Context(), g, pinned)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if ev, err = s.withReview(r, g, ev); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, eventJSON(ev))
}

func (s *Server) handleEventDelete(w http.ResponseWriter, r *http.Request, g nvr.EventGrant) {
	if err := s.events.Delete(r.Context(), g); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type triggerRequest struct {
	Label     string   `json:"label"`
	DurationS *float64 `json:"duration_s"`
}

// handleTriggerEvent is the external trigger (doorbells, automations):
// a bearer token with the trigger scope, or any credential allowed to
// trigger on the camera.
func (s *Server) handleTriggerEvent(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	if s.events == nil {
		s.writeError(w, r, nvr.Errorf("trigger event", nvr.KindUnavailable, "events are not enabled"))
		return
	}
	var req triggerRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	var d time.Duration
	if req.DurationS != nil {
		v := *req.DurationS
		if math.IsNaN(v) || v < 0 || v > events.MaxTriggerDuration.Seconds() {
			s.writeError(w, r, errInvalid("duration_s must be 0 to %d", int(events.MaxTriggerDuration.Seconds())))
			return
		}
		d = time.Duration(v * float64(time.Second))
	}
	ev, err := s.events.Trigger(r.Context(), g, req.Label, d)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/events/"+string(ev.ID))
	writeJSON(w, http.StatusCreated, eventJSON(ev))
}
