package ui

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/view"
)

// timeRangeResponse is a recorded interval on a timeline.
type timeRangeResponse struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

func (s *Server) handleRecordings(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	if s.playback == nil {
		s.writeError(w, r, nvr.Errorf("recordings", nvr.KindUnavailable, "recording is not enabled"))
		return
	}
	q := r.URL.Query()
	tr, err := view.ParseTimeRange(q.Get("start"), q.Get("end"), 31*24*time.Hour)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ranges, err := s.playback.Ranges(r.Context(), g, tr)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]timeRangeResponse, 0, len(ranges))
	for _, rg := range ranges {
		out = append(out, timeRangeResponse{Start: rg.Start.UTC(), End: rg.End.UTC()})
	}
	writeJSON(w, http.StatusOK, map[string]any{"camera": g.CameraID(), "ranges": out})
}

// handleClip serves an MP4 of recorded footage, assembled on the fly from
// segment files without re-encoding. The size is known up front, so Range,
// If-Range and HEAD work through http.ServeContent.
func (s *Server) handleClip(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	if s.playback == nil {
		s.writeError(w, r, nvr.Errorf("clip", nvr.KindUnavailable, "recording is not enabled"))
		return
	}
	q := r.URL.Query()
	tr, err := view.ParseTimeRange(q.Get("start"), q.Get("end"), view.MaxClipDuration)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.serveClip(w, r, g, tr, nil)
}

// serveClip opens the granted camera's clip of tr and serves it.
func (s *Server) serveClip(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant, tr nvr.TimeRange, use shareUse) {
	clip, err := s.playback.OpenClip(r.Context(), g, tr)
	if err != nil {
		s.writeError(w, r, err)
		if errors.Is(err, view.ErrNoPlayableFootage) {
			s.log.WarnContext(r.Context(), "open clip", "err", err, "camera", string(g.CameraID()))
		}
		return
	}
	defer clip.Close()
	// A share link's view is taken only now: a clip that cannot be made
	// takes none.
	if err := use.take(r.Context()); err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, skipped := range clip.Skipped {
		s.log.WarnContext(r.Context(), "clip skipped damaged footage", "err", skipped, "camera", string(g.CameraID()))
	}
	w.Header().Set("Content-Type", "video/mp4")
	w.Header().Set("ETag", `"`+clip.Tag+`"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, clipFilename(g.Camera().Name, tr.Start)))
	body, stop := s.guardDownload(w, r, g, clip.Reader())
	defer stop()
	http.ServeContent(w, r, "", time.Time{}, body)
}

var unsafeFilename = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// clipFilename is ASCII-only and free of quotes and separators, so the
// Content-Disposition header can never be broken out of.
func clipFilename(camera string, start time.Time) string {
	name := strings.Trim(unsafeFilename.ReplaceAllString(camera, "-"), "-")
	if name == "" {
		name = "camera"
	}
	if len(name) > 40 {
		name = name[:40]
	}
	return name + "-" + start.UTC().Format("20060102-150405") + ".mp4"
}
