package ui

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/ui/views"
)

// handleCameraDetectionForm saves the camera page's "Events and motion"
// form when it is posted as a plain HTML form (no script; with script,
// settings.js sends the same fields to PATCH /api/cameras/{id}). Both end
// in Directory.EditCamera, whose validation decides. A refused save
// answers 400 with the page again, the message next to the form and the
// fields as they were sent; a saved one redirects to the page.
func (s *Server) handleCameraDetectionForm(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, errInvalid("the form could not be read"))
		return
	}
	form := views.DetectionForm{Detector: r.PostForm.Get("detector"), Sensitivity: r.PostForm.Get("sensitivity"),
		Zones: r.PostForm.Get("zones"), EventsOn: r.PostForm.Has("events_enabled")}
	err := s.saveDetectionForm(r, g, form)
	switch {
	case err == nil:
		http.Redirect(w, r, "/settings/cameras/"+string(g.CameraID())+"?saved=detection#detection", http.StatusSeeOther)
	case nvr.ErrorKind(err) == nvr.KindInvalid:
		m := s.cameraEditModel(r.Context(), g)
		form.Error = nvr.ErrorMessage(err)
		form.Running = m.Detection.Running // the saved settings' detector: the refused ones never ran
		m.Detection = form
		s.render(w, r, http.StatusBadRequest, views.CameraEdit(m))
	default:
		s.pageError(w, r, err)
	}
}

// saveDetectionForm applies the form's fields as the API would.
func (s *Server) saveDetectionForm(r *http.Request, g nvr.CameraGrant, f views.DetectionForm) error {
	mode := nvr.DetectorMode(f.Detector)
	// A sensitivity that is not a number is 0, which validation refuses
	// with its own message.
	sens, _ := strconv.Atoi(strings.TrimSpace(f.Sensitivity))
	zones, err := json.Marshal(f.Zones)
	if err != nil {
		return errInvalid("zones could not be read")
	}
	req := detectionRequest{Detector: &mode, Sensitivity: &sens, Zones: zones, EventsEnabled: &f.EventsOn}
	var ch nvr.CameraChanges
	if err := req.detectionChanges(&ch); err != nil {
		return err
	}
	_, err = s.dir.ConfigureCamera(r.Context(), g, ch)
	return err
}
