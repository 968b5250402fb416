package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/view"
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

// viewingFilter reads ?camera=&person=&limit=&cursor=; a malformed value
// is 400.
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
	f.Cursor = q.Get("cursor")
	return f, nil
}

// viewingPageLines is how many lines the viewing log's page shows at
// once (as many as the events list): 200, the API's default, ran to a
// 26,000 px scroll on a phone.
const viewingPageLines = 50

// readViewing reads the page of the log the request asks for, lines at a
// time when it names no limit.
func (s *Server) readViewing(r *http.Request, g nvr.UserGrant, lines int) (nvr.ViewingPage, nvr.ViewingFilter, error) {
	f, err := viewingFilter(r)
	if err != nil || s.viewing == nil {
		return nvr.ViewingPage{}, f, err
	}
	read := f
	if read.Limit == 0 {
		read.Limit = lines
	}
	p, err := s.viewing.ReadPage(r.Context(), g, read)
	return p, f, err
}

// handleViewing answers GET /api/viewing: a page of the log, and "next",
// the cursor of the older lines, when there are more.
func (s *Server) handleViewing(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	p, _, err := s.readViewing(r, g, 0)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]viewingJSON, 0, len(p.Viewings))
	for _, v := range p.Viewings {
		out = append(out, viewingJSON{Start: v.Start, End: v.End, DurationS: v.Duration().Seconds(), Camera: string(v.Camera),
			CameraN: v.CameraN, Person: v.Person, PersonID: v.PersonID, What: v.What, Detail: v.Detail})
	}
	body := map[string]any{"viewings": out}
	if p.Next != "" {
		body["next"] = p.Next
	}
	writeJSON(w, http.StatusOK, body)
}

// handleViewingPage is the log as a page, with the same filters.
func (s *Server) handleViewingPage(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	p, f, err := s.readViewing(r, g, viewingPageLines)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	u := g.User()
	m := views.ViewingModel{Nav: navOf(u, "settings"), SN: settingsNavOf(u, "viewing"), Camera: string(f.Camera), Person: f.Person,
		Older: f.Cursor != "", Own: u.Role == nvr.RoleViewer}
	if p.Next != "" {
		m.OlderURL = viewingURL(f, p.Next)
	}
	if m.Older {
		m.NewestURL = viewingURL(f, "")
	}
	cams, err := s.policy.VisibleCameras(r.Context(), g.Principal(), nvr.ActionViewCamera)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, c := range cams {
		m.Cameras = append(m.Cameras, views.ShareCameraOption{ID: string(c.CameraID()), Name: c.Camera().Name})
	}
	for _, v := range p.Viewings {
		d := ""
		if v.Duration() > 0 {
			d = view.DurationWords(v.Duration().Round(time.Second))
		}
		m.Rows = append(m.Rows, views.ViewingRow{Start: v.Start, End: v.End, Camera: v.CameraN, Person: v.Person, What: v.What,
			Duration: d, Detail: v.Detail})
	}
	s.render(w, r, http.StatusOK, views.Viewing(m))
}

// viewingURL is the log's page with f's filters from cursor on ("": the
// newest lines).
func viewingURL(f nvr.ViewingFilter, cursor string) string {
	q := url.Values{}
	if f.Camera != "" {
		q.Set("camera", string(f.Camera))
	}
	if f.Person != "" {
		q.Set("person", f.Person)
	}
	if f.Limit != 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if len(q) == 0 {
		return "/settings/viewing"
	}
	return "/settings/viewing?" + q.Encode()
}
