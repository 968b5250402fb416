package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/webrtc/webrtctest"
)

// slowClient is an HTTP client whose sockets have a tiny receive buffer, so
// a download it reads slowly stays in flight on the server for seconds.
func slowClient() *http.Client {
	d := &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 64<<10)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext, DisableCompression: true}}
}

// rcall is a GET with a session cookie.
func rcall(t *testing.T, url, cookie string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Cookie", cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// inFlight is a clip download read slowly (about 100 KB/s) until revoked
// is closed, then at about 2 MB/s (so the rest of the clip would take
// seconds) until its body ends; ended receives when it does.
type inFlight struct {
	total  int64 // Content-Length
	got    chan int64
	endErr chan error
	ended  chan time.Time
}

func startDownload(t *testing.T, url, cookie string, revoked <-chan struct{}) *inFlight {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Cookie", cookie)
	resp, err := slowClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("clip: %d %s", resp.StatusCode, b)
	}
	d := &inFlight{total: resp.ContentLength, got: make(chan int64, 1), endErr: make(chan error, 1), ended: make(chan time.Time, 1)}
	go func() {
		defer resp.Body.Close()
		buf := make([]byte, 16<<10)
		var n int64
		slow := true
		for {
			chunk := 16 << 10
			if slow {
				select {
				case <-revoked:
					slow = false
				case <-time.After(40 * time.Millisecond):
					chunk = 4 << 10
				}
			}
			if !slow {
				time.Sleep(8 * time.Millisecond)
			}
			k, err := io.ReadFull(resp.Body, buf[:chunk])
			n += int64(k)
			if err != nil {
				d.ended <- time.Now()
				d.got <- n
				d.endErr <- err
				return
			}
		}
	}()
	return d
}

// TestRevocationInFlight runs the real server and, during a live WebRTC
// session and a long clip download each, removes the access they rely on:
// a viewer unassigned from the camera, the user deleted, the camera moved
// to another household. Both must end within 1 s of the revocation, the
// download short of its length.
func TestRevocationInFlight(t *testing.T) {
	t.Parallel()
	site := newIsoSite(t, isoConfig{Households: 2, CamsPerHousehold: 3, Servers: 1,
		Camera: simcam.CameraConfig{FPS: 10, GOP: 10, Width: simcam.DefaultWidth, Height: simcam.DefaultHeight}})
	cams := site.cams[0]
	// A user of household 0 to delete, who sees camera 2.
	mustCLI(t, sitePassword+"\n", "user", "add", "gone", "--household", site.households[0], "--role", "viewer", "--data", site.data)
	mustCLI(t, "", "user", "assign", "gone", cams[2], "--data", site.data)
	site.users = append(site.users, &isoUser{name: "gone", visible: map[string]bool{cams[2]: true}})
	start := time.Now()
	srv := startServer(t, site.data, "--webrtc-ice", "loopback")
	site.login(t, srv.url)
	cookie := map[string]string{}
	for _, u := range site.users {
		cookie[u.name] = u.cookie
	}
	waitRecorded(t, site.data, cams, start, 12*time.Second, 60*time.Second)

	cases := []struct {
		name, user, cam string
		revoke          []string
	}{
		{"viewer unassigned", "view0_0", cams[0], []string{"user", "unassign", "view0_0", cams[0]}},
		{"camera moved", "own0", cams[1], []string{"camera", "move", cams[1], "--household", site.households[1]}},
		{"user deleted", "gone", cams[2], []string{"user", "remove", "gone"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			hdr := http.Header{"Cookie": {cookie[tc.user]}, "Origin": {srv.url}}
			live, err := webrtctest.New(webrtctest.Options{WantID: tc.cam})
			if err != nil {
				t.Fatal(err)
			}
			defer live.Close()
			status, _, body, err := live.WHEP(ctx, http.DefaultClient, srv.url+"/api/cameras/"+tc.cam+"/whep", hdr)
			if err != nil || status != http.StatusCreated {
				t.Fatalf("whep: %d %s %v", status, body, err)
			}
			if err := live.WaitFrames(5, 15*time.Second); err != nil {
				t.Fatal(err)
			}

			// The newest covered range: a clip of seconds of footage.
			now := time.Now()
			code, body := rcall(t, srv.url+"/api/cameras/"+tc.cam+"/recordings?start="+now.Add(-time.Hour).UTC().Format(time.RFC3339)+
				"&end="+now.UTC().Format(time.RFC3339), cookie[tc.user])
			var rr struct {
				Ranges []struct{ Start, End time.Time } `json:"ranges"`
			}
			if code != 200 || json.Unmarshal([]byte(body), &rr) != nil || len(rr.Ranges) == 0 {
				t.Fatalf("recordings: %d %s", code, body)
			}
			last := rr.Ranges[len(rr.Ranges)-1]
			q := "start=" + last.Start.UTC().Format(time.RFC3339Nano) + "&end=" + last.End.UTC().Format(time.RFC3339Nano)
			revoked := make(chan struct{})
			dl := startDownload(t, srv.url+"/api/cameras/"+tc.cam+"/clip.mp4?"+q, cookie[tc.user], revoked)
			time.Sleep(700 * time.Millisecond) // several rechecks pass while access holds
			select {
			case <-dl.ended:
				t.Fatalf("download ended before the revocation: %v", <-dl.endErr)
			default:
			}

			// The command commits the change and returns: the clock starts
			// then (opening the database can take longer than the rest).
			cliStart := time.Now()
			mustCLI(t, "", append(tc.revoke, "--data", site.data)...)
			at := time.Now()
			close(revoked)
			var liveTook, dlTook time.Duration
			select {
			case <-live.Closed():
				liveTook = time.Since(at)
			case <-time.After(5 * time.Second):
				t.Fatal("live session not ended 5 s after the revocation")
			}
			select {
			case end := <-dl.ended:
				dlTook = end.Sub(at)
			case <-time.After(5 * time.Second):
				t.Fatalf("download not ended 5 s after the revocation: %s", srv.stderr.String())
			}
			got, endErr := <-dl.got, <-dl.endErr
			t.Logf("%s (command took %v): live session ended after %v (%d frames), download after %v (%d of %d bytes: %v)",
				tc.name, at.Sub(cliStart).Round(time.Millisecond), liveTook.Round(time.Millisecond), live.Stats().Frames, dlTook.Round(time.Millisecond), got, dl.total, endErr)
			// The promise is 1 s. Under -race on a loaded machine a second
			// is not enough for the server's own recheck; make storm runs
			// this without the race detector, at the 1 s bound.
			bound := time.Second
			if raceEnabled {
				bound = 5 * time.Second
			}
			if liveTook > bound || dlTook > bound {
				t.Errorf("access ended %v (live) and %v (download) after the revocation, want ≤ %v", liveTook, dlTook, bound)
			}
			if got >= dl.total || errors.Is(endErr, io.EOF) {
				t.Errorf("download delivered %d of %d bytes (%v): it should stop short", got, dl.total, endErr)
			}
			if st := live.Stats(); st.WrongID != 0 {
				t.Errorf("live frames of another camera: %+v", st)
			}
			req, _ := http.NewRequest("GET", srv.url+"/api/cameras/"+tc.cam+"/clip.mp4?"+q, nil)
			req.Header.Set("Cookie", cookie[tc.user])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("clip after revocation: %d", resp.StatusCode)
			}
		})
	}
}
