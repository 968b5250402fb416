package ui

import (
	"net/http"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// playbackGrant turns a live grant into one for recorded playback from
// ?start=: the principal needs the recordings action on the camera too,
// decided now by the policy. nvr/view plans every read of the replay
// (seeks too) through that grant; the viewer drives it over the data
// channel (pause, resume, seek, speed).
func (s *Server) playbackGrant(r *http.Request, g nvr.CameraGrant, startText string) (nvr.CameraGrant, time.Time, error) {
	start, err := time.Parse(time.RFC3339, startText)
	if err != nil {
		return nvr.CameraGrant{}, time.Time{}, errInvalid("start must be an RFC 3339 time, e.g. 2026-11-28T08:00:00Z")
	}
	if s.playback == nil {
		return nvr.CameraGrant{}, time.Time{}, nvr.Errorf("playback", nvr.KindUnavailable, "recording is not enabled")
	}
	rg, err := s.policy.Camera(r.Context(), g.Principal(), nvr.ActionViewRecordings, g.CameraID())
	if err != nil {
		return nvr.CameraGrant{}, time.Time{}, err
	}
	return rg, start, nil
}
