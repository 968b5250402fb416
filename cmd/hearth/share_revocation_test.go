package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/webrtc/webrtctest"
)

// TestShareLinkRevocationInFlight runs the real server with a live WebRTC
// session (pion) through a live link and a slow download through a clip
// link, then revokes both links: each must end (a condition wait with a
// wide bound; the measured times are logged against the 1 s promise), the
// download short of its length, and both links then answer 404.
func TestShareLinkRevocationInFlight(t *testing.T) {
	t.Parallel()
	site := newIsoSite(t, isoConfig{Households: 2, CamsPerHousehold: 1, Servers: 1,
		Camera: simcam.CameraConfig{FPS: 10, GOP: 10, Width: simcam.DefaultWidth, Height: simcam.DefaultHeight}})
	cam := site.cams[0][0]
	start := time.Now()
	srv := startServer(t, site.data, "--webrtc-ice", "loopback")
	owner := newClient(t, srv.url)
	owner.login("own0", sitePassword)
	waitRecorded(t, site.data, []string{cam}, start, 12*time.Second, 60*time.Second)

	now := time.Now().UTC()
	_, body := owner.call("GET", "/api/cameras/"+cam+"/recordings?start="+now.Add(-time.Hour).Format(time.RFC3339)+"&end="+now.Format(time.RFC3339), "")
	var rr struct {
		Ranges []struct{ Start, End time.Time } `json:"ranges"`
	}
	if json.Unmarshal([]byte(body), &rr) != nil || len(rr.Ranges) == 0 {
		t.Fatalf("recordings: %s", body)
	}
	last := rr.Ranges[len(rr.Ranges)-1]
	live := makeLink(t, owner, cam, `{"kind":"live"}`)
	clip := makeLink(t, owner, cam, fmt.Sprintf(`{"kind":"clip","start":%q,"end":%q}`,
		last.Start.UTC().Format(time.RFC3339Nano), last.End.UTC().Format(time.RFC3339Nano)))

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	peer, err := webrtctest.New(webrtctest.Options{WantID: cam})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	status, _, answer, err := peer.WHEP(ctx, http.DefaultClient, srv.url+live.URL+"whep", http.Header{"Origin": {srv.url}})
	if err != nil || status != http.StatusCreated {
		t.Fatalf("whep through the link: %d %s %v", status, answer, err)
	}
	if err := peer.WaitFrames(5, 15*time.Second); err != nil {
		t.Fatal(err)
	}
	revoked := make(chan struct{})
	dl := startDownload(t, srv.url+clip.URL+"clip.mp4", "", revoked)
	time.Sleep(700 * time.Millisecond) // several rechecks pass while the links hold
	select {
	case <-dl.ended:
		t.Fatalf("download ended before the revocation: %v", <-dl.endErr)
	default:
	}

	// Measured from the first revocation's request: conservative for the
	// second link, and the live session may end before the second answer.
	at := time.Now()
	for _, l := range []shareLinkMade{live, clip} {
		if code, out := owner.call("DELETE", "/api/links/"+l.ID, "", "Origin", srv.url); code != http.StatusNoContent {
			t.Fatalf("revoke: %d %s", code, out)
		}
	}
	close(revoked)
	var liveTook, dlTook time.Duration
	select {
	case <-peer.Closed():
		liveTook = time.Since(at)
	case <-time.After(15 * time.Second):
		t.Fatal("the link's live session still runs 15 s after the revocation")
	}
	select {
	case end := <-dl.ended:
		dlTook = end.Sub(at)
	case <-time.After(15 * time.Second):
		t.Fatal("the link's download still runs 15 s after the revocation")
	}
	got, endErr := <-dl.got, <-dl.endErr
	t.Logf("after revoking the links (promise: 1 s): live session ended in %v (%d frames), download in %v (%d of %d bytes: %v)",
		liveTook.Round(time.Millisecond), peer.Stats().Frames, dlTook.Round(time.Millisecond), got, dl.total, endErr)
	if got >= dl.total || errors.Is(endErr, io.EOF) {
		t.Errorf("the download delivered %d of %d bytes (%v): it should stop short", got, dl.total, endErr)
	}
	if st := peer.Stats(); st.WrongID != 0 {
		t.Errorf("frames of another camera through the link: %+v", st)
	}
	for _, p := range []string{clip.URL + "clip.mp4", live.URL} {
		if code, _ := rcall(t, srv.url+p, ""); code != http.StatusNotFound {
			t.Errorf("%s after revocation: %d, want 404", p[:8], code)
		}
	}
}
