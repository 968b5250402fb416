package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/cmd/internal/stamps"
)

// Share link viewers for the isolation storm (issue 21): each household's
// owner makes a live link to one camera and a clip link to another, and
// anonymous viewers open them throughout the storm. Every frame through a
// link must be the link's own camera (0 foreign frames), and the link's
// secret must open nothing else. Kept apart from isolation_test.go so the
// storm's own changes and these merge without conflict.

// stormLink is one link of the storm.
type stormLink struct {
	path string // /s/{secret}/
	cam  string
	clip bool
}

// stormShares holds the links and what their viewers checked.
type stormShares struct {
	links                  []stormLink
	owner                  map[string]string // camera ID → household name
	sessions, liveFrames   atomic.Int64
	clips, clipFrames      atomic.Int64
	refused, clipsRefused  atomic.Int64 // the secret used elsewhere (refused as it must be); clips not served (no footage yet)
	liveFailed, wrongFrame atomic.Int64
}

// makeStormShares has each household's owner (signed in) make a live link
// to its first camera and a clip link of [from, to] to its last.
func makeStormShares(t *testing.T, site *isoSite, base string, from, to time.Time) *stormShares {
	t.Helper()
	s := &stormShares{owner: site.owner}
	for h, cams := range site.cams {
		var owner *isoUser
		for _, u := range site.users {
			if u.household == h && u.owner {
				owner = u
			}
		}
		if owner == nil || len(cams) == 0 {
			t.Fatalf("household %d has no owner or no camera", h)
		}
		clipBody := fmt.Sprintf(`{"kind":"clip","start":%q,"end":%q}`, from.UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano))
		for _, l := range []stormLink{{cam: cams[0]}, {cam: cams[len(cams)-1], clip: true}} {
			body := `{"kind":"live"}`
			if l.clip {
				body = clipBody
			}
			req, _ := http.NewRequest("POST", base+"/api/cameras/"+l.cam+"/links", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Cookie", owner.cookie)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var made struct {
				URL string `json:"url"`
			}
			err = json.NewDecoder(resp.Body).Decode(&made)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated || err != nil || !strings.HasPrefix(made.URL, "/s/hsl_") {
				t.Fatalf("%s makes a link to %s: %d %v", owner.name, l.cam, resp.StatusCode, err)
			}
			l.path = made.URL
			s.links = append(s.links, l)
		}
	}
	return s
}

// run starts n anonymous link viewers on wg until ctx ends.
func (s *stormShares) run(ctx context.Context, wg *sync.WaitGroup, site *isoSite, base string, hc *http.Client, counts *stormCounts, n int) {
	for i := range n {
		rng := rand.New(rand.NewPCG(uint64(i), 21))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				l := s.links[rng.IntN(len(s.links))]
				if l.clip {
					s.clip(ctx, base, hc, counts, l)
				} else {
					s.live(ctx, base, hc, counts, l, time.Duration(1500+rng.IntN(1500))*time.Millisecond)
				}
				s.misuse(ctx, site, base, hc, counts, l, rng)
				select {
				case <-ctx.Done():
				case <-time.After(time.Duration(200+rng.IntN(600)) * time.Millisecond):
				}
			}
		}()
	}
}

// live holds one WebRTC session through link l, checking every frame's
// stamp against the link's camera.
func (s *stormShares) live(ctx context.Context, base string, hc *http.Client, counts *stormCounts, l stormLink, hold time.Duration) {
	st, ok := holdWHEP(ctx, hc, base, l.path+"whep", http.Header{"Origin": {base}}, l.cam, hold)
	if !ok {
		s.liveFailed.Add(1)
		return
	}
	if st.WrongID != 0 {
		s.wrongFrame.Add(int64(st.WrongID))
		counts.violate("share link of %s: %d frames of another camera (last %s, household %s)", l.cam, st.WrongID, st.LastID, s.owner[st.LastID])
	}
	s.sessions.Add(1)
	s.liveFrames.Add(int64(st.Frames))
}

// clip downloads link l's clip and checks every frame's stamp.
func (s *stormShares) clip(ctx context.Context, base string, hc *http.Client, counts *stormCounts, l stormLink) {
	c := &stormClient{base: base, hc: hc, hdr: http.Header{}}
	code, _, b, err := c.get(ctx, l.path+"clip.mp4")
	if err != nil || code != http.StatusOK {
		s.clipsRefused.Add(1)
		return
	}
	st, _, err := stamps.MP4(b, false)
	if err != nil {
		counts.violate("share link clip of %s: unparseable: %v", l.cam, err)
		return
	}
	for _, x := range st {
		if x.CameraID != l.cam {
			s.wrongFrame.Add(1)
			counts.violate("share link clip of %s: a frame of camera %s", l.cam, x.CameraID)
			return
		}
	}
	s.clips.Add(1)
	s.clipFrames.Add(int64(len(st)))
}

// misuse tries link l's secret where it must open nothing: as a bearer
// token or session cookie on another camera of any household (401), and
// the link's clip with another range (400).
func (s *stormShares) misuse(ctx context.Context, site *isoSite, base string, hc *http.Client, counts *stormCounts, l stormLink, rng *rand.Rand) {
	secret := strings.TrimSuffix(strings.TrimPrefix(l.path, "/s/"), "/")
	all := site.allCams()
	other := all[rng.IntN(len(all))]
	now := time.Now().UTC()
	rangeQ := "start=" + now.Add(-time.Minute).Format(time.RFC3339) + "&end=" + now.Format(time.RFC3339)
	for _, p := range []struct {
		path string
		hdr  http.Header
		want int
	}{
		{"/api/cameras/" + other + "/clip.mp4?" + rangeQ, http.Header{"Authorization": {"Bearer " + secret}}, http.StatusUnauthorized},
		{"/api/cameras/" + other, http.Header{"Cookie": {"hearth_session=" + secret}}, http.StatusUnauthorized},
		{"/api/cameras", http.Header{"Authorization": {"Bearer " + secret}}, http.StatusUnauthorized},
		{l.path + "clip.mp4?" + rangeQ, http.Header{}, http.StatusBadRequest},
	} {
		if p.path == l.path+"clip.mp4?"+rangeQ && !l.clip {
			p.want = http.StatusNotFound // a live link has no clip at all
		}
		c := &stormClient{base: base, hc: hc, hdr: p.hdr}
		code, _, _, err := c.get(ctx, p.path)
		if err != nil {
			continue
		}
		if code != p.want {
			counts.violate("share link of %s used on %s: %d, want %d", l.cam, p.path, code, p.want)
			continue
		}
		s.refused.Add(1)
	}
}

// report logs what the link viewers checked and fails when too little was
// to prove anything (live frames only when pion runs at speed).
func (s *stormShares) report(t *testing.T, wantLiveFrames bool) {
	t.Helper()
	t.Logf("share links: %d links; %d live sessions (%d frames, %d failed to start), %d clips (%d frames, %d not served), %d misuses refused; %d foreign frames",
		len(s.links), s.sessions.Load(), s.liveFrames.Load(), s.liveFailed.Load(), s.clips.Load(), s.clipFrames.Load(), s.clipsRefused.Load(),
		s.refused.Load(), s.wrongFrame.Load())
	if s.wrongFrame.Load() != 0 {
		t.Errorf("%d frames of another camera through share links", s.wrongFrame.Load())
	}
	if s.sessions.Load() == 0 || s.clips.Load() == 0 || s.refused.Load() == 0 || (wantLiveFrames && s.liveFrames.Load() == 0) {
		t.Errorf("share link viewers checked too little to prove anything")
	}
}
