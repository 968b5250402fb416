package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hearthnvr/hearth/cmd/internal/stamps"
	"github.com/hearthnvr/hearth/nvr/notify"
)

// subscribeStorm gives every user of the site a webhook channel to one
// loopback receiver (a path per user) and a rule for motion and triggers
// with thumbnails on every camera, as the admin would. The receiver checks
// each notification as it arrives: the camera it names must be one its
// user may see, and its thumbnail's pixels must show that camera.
func subscribeStorm(t *testing.T, site *isoSite, counts *stormCounts) *httptest.Server {
	t.Helper()
	byName := map[string]*isoUser{}
	for _, u := range site.users {
		byName[u.name] = u
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		u := byName[strings.TrimPrefix(r.URL.Path, "/u/")]
		var p notify.WebhookPayload
		switch {
		case err != nil || u == nil || json.Unmarshal(body, &p) != nil:
			counts.violate("notification to %s: unreadable (%v)", r.URL.Path, err)
		case p.Camera == nil || !u.visible[string(p.Camera.ID)]:
			counts.violate("notification to %s about camera %+v, which it may not see", u.name, p.Camera)
		default:
			counts.notified.Add(1)
			if p.Thumbnail != nil {
				if id, err := stamps.ThumbnailCamera("image/jpeg", p.Thumbnail); err == nil {
					if id != string(p.Camera.ID) {
						counts.violate("notification to %s about camera %s carried camera %s's thumbnail", u.name, p.Camera.ID, id)
					} else {
						counts.notifyThumbs.Add(1)
					}
				}
			}
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	for _, u := range site.users {
		mustCLI(t, "", "notify", "channel", "add", u.name, "--kind", "webhook", "--target", srv.URL+"/u/"+u.name,
			"--allow-local", "--data", site.data)
		mustCLI(t, "", "notify", "rule", "add", u.name, "--kinds", "motion,trigger", "--data", site.data)
	}
	return srv
}
