package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/cmd/internal/stamps"
	"github.com/hearthnvr/hearth/nvr/notify"
)

// subscribeStorm gives every user of the site a webhook channel to one
// loopback receiver (a path per user) and a rule for motion and triggers
// with thumbnails on every camera, as the admin would. The receiver checks
// each notification as it arrives: the camera it names must be one its
// user may see, and its thumbnail's pixels must show that camera.
func subscribeStorm(t *testing.T, site *isoSite, counts *stormCounts) *stormInbox {
	t.Helper()
	in := &stormInbox{revoked: map[string]map[string]time.Time{}}
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
		case in.revokedBefore(u.name, string(p.Camera.ID), p.SentAt):
			counts.violate("notification to %s about camera %s sent at %v, after its assignment was removed", u.name, p.Camera.ID, p.SentAt)
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
	in.Server = srv
	for _, u := range site.users {
		mustCLI(t, "", "notify", "channel", "add", u.name, "--kind", "webhook", "--target", srv.URL+"/u/"+u.name,
			"--allow-local", "--data", site.data)
		mustCLI(t, "", "notify", "rule", "add", u.name, "--kinds", "motion,trigger", "--data", site.data)
	}
	return in
}

// stormInbox is the notification receiver and the revocations made
// during the storm.
type stormInbox struct {
	*httptest.Server
	mu      sync.Mutex
	revoked map[string]map[string]time.Time // user → camera → when the removal had committed
}

// revokeMargin is how long after a revocation committed a message decided
// before it may still carry a later sent_at: the decision is taken just
// before the send (sent_at), microseconds apart on an idle machine; a
// second is a wide margin on a loaded one.
const revokeMargin = time.Second

// unassign removes a viewer's camera with the admin CLI while the storm
// runs, and notes when it had committed.
func (in *stormInbox) unassign(t *testing.T, site *isoSite, u *isoUser, cam string) {
	mustCLI(t, "", "user", "unassign", u.name, cam, "--data", site.data)
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.revoked[u.name] == nil {
		in.revoked[u.name] = map[string]time.Time{}
	}
	in.revoked[u.name][cam] = time.Now()
}

// revokedBefore reports whether a message to user about cam was sent
// (so decided) well after the user lost the camera.
func (in *stormInbox) revokedBefore(user, cam string, sentAt time.Time) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	at, ok := in.revoked[user][cam]
	return ok && sentAt.After(at.Add(revokeMargin))
}

// revokedCount is how many assignments were removed.
func (in *stormInbox) revokedCount() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	n := 0
	for _, cams := range in.revoked {
		n += len(cams)
	}
	return n
}
