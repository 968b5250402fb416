package ui

import (
	"net/http"
	"strconv"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/ui/views"
)

// The household's viewing log (issue 21): who watched which camera, live
// or recorded, when and for how long, and the admin's configuration
// access; the policy decides row by row (nvr.ViewingLog).

type viewingJSON struct {
	Start     time.Time `json:"start"`
	End       time.Time `json:"end,omitzero"`
	DurationS float64   `json:"duration_s"`
	Camera    string    `json:"camera"`
	CameraN   string    `json:"camera_name"`
	Person    string    `json:"person"`
	PersonID  string    `json:"person_id,omitempty"`
	What      string    `json:"what"`
	Detail    string    `json:"detail,omitempty"`
}

// viewingFilter reads ?camera=&person=&limit=; a malformed value is 400.
func viewingFilter(r *http.Request) (nvr.ViewingFilter, error) {
	q := r.URL.Query()
	var f nvr.ViewingFilter
	if c := q.Get("camera"); c != "" {
		id, err := nvr.ParseCameraID(c)
		if err != nil {
			return f, errInvalid("camera must be a camera ID")
		}
		f.Camera = id
	}
	if p := q.Get("person"); p != "" {
		if _, err := nvr.ParsePublicID(p); err != nil {
			return f, errInvalid("person must be a person's ID")
		}
		f.Person = p
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > nvr.MaxViewingLimit {
			return f, errInvalid("limit must be 1 to %d", nvr.MaxViewingLimit)
		}
		f.Limit = n
	}
	return f, nil
}

func (s *Server) readViewing(r *http.Request, g nvr.UserGrant) ([]nvr.Viewing, nvr.ViewingFilter, error) {
	f, err := viewingFilter(r)
	if err != nil || s.viewing == nil {
		return nil, f, err
	}
	vs, err := s.viewing.Read(r.Context(), g, f)
	return vs, f, err
}

// handleViewing answers GET /api/viewing.
func (s *Server) handleViewing(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	vs, _, err := s.readViewing(r, g)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]viewingJSON, 0, len(vs))
	for _, v := range vs {
		out = append(out, viewingJSON{Start: v.Start, End: v.End, DurationS: v.Duration().Seconds(), Camera: string(v.Camera),
			CameraN: v.CameraN, Person: v.Person, PersonID: v.PersonID, What: v.What, Detail: v.Detail})
	}
	writeJSON(w, http.StatusOK, map[string]any{"viewings": out})
}

// handleViewingPage is the log as a page, with the same filters.
func (s *Server) handleViewingPage(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	vs, f, err := s.readViewing(r, g)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	u := g.User()
	m := views.ViewingModel{Nav: navOf(u, "settings"), SN: settingsNavOf(u, "viewing"), Camera: string(f.Camera), Person: f.Person}
	cams, err := s.policy.VisibleCameras(r.Context(), g.Principal(), nvr.ActionViewCamera)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, c := range cams {
		m.Cameras = append(m.Cameras, views.ShareCameraOption{ID: string(c.CameraID()), Name: c.Camera().Name})
	}
	for _, v := range vs {
		d := ""
		if v.Duration() > 0 {
			d = v.Duration().Round(time.Second).String()
		}
		m.Rows = append(m.Rows, views.ViewingRow{Start: v.Start, Camera: v.CameraN, Person: v.Person, What: v.What,
			Duration: d, Detail: v.Detail})
	}
	s.render(w, r, http.StatusOK, views.Viewing(m))
}
