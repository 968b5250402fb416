package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/events"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/sei"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// keyframeThumbnailer stands in for streams/thumbnail: the keyframe's own
// bytes (Annex B), so the test can read the camera ID stamped in its SEI.
type keyframeThumbnailer struct{}

func (keyframeThumbnailer) Thumbnail(_ context.Context, key *media.Unit) ([]byte, string, error) {
	var b bytes.Buffer
	for _, n := range key.NALUs {
		b.Write([]byte{0, 0, 0, 1})
		b.Write(n)
	}
	return b.Bytes(), nvr.ThumbMP4, nil
}

// startServerWithEvents is startServer with the test thumbnailer wired in
// through the env's test hook.
func startServerWithEvents(t *testing.T, data string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	s := &server{stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	args := []string{"serve", "--data", data, "--listen", "127.0.0.1:0", "--webrtc-udp-port", "0"}
	go func() {
		s.done <- run(ctx, args, env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: s.stderr,
			onListen:   func(a string) { addr <- a },
			eventMedia: func() (events.DetectorFactory, events.Thumbnailer) { return nil, keyframeThumbnailer{} }})
	}()
	select {
	case a := <-addr:
		s.url = "http://" + a
	case code := <-s.done:
		t.Fatalf("serve exited %d: %s", code, s.stderr.String())
	case <-time.After(serveStartLimit):
		t.Fatalf("serve did not start within %v: %s", serveStartLimit, s.stderr.String())
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

type apiEvent struct {
	ID        string     `json:"id"`
	Camera    string     `json:"camera"`
	Kind      string     `json:"kind"`
	Label     string     `json:"label"`
	Start     time.Time  `json:"start"`
	End       *time.Time `json:"end"`
	Pinned    bool       `json:"pinned"`
	Thumbnail string     `json:"thumbnail"`
	Clip      string     `json:"clip"`
}

// TestEventsEndToEnd: an external trigger with a trigger token, through
// the real server, makes an event that the owner lists, with a thumbnail
// of the right camera and a clip that decodes; bad tokens, another
// household's camera and bad bodies are refused; labels and camera names
// full of shell syntax are plain data.
func TestEventsEndToEnd(t *testing.T) {
	t.Parallel()
	testpeer.Require(t, "ffmpeg")
	site := newRecordingSite(t, 1)
	cam := site.cams[0]
	canary := fmt.Sprintf("/tmp/hc-%08x", rand.Uint32())
	t.Cleanup(func() { _ = os.Remove(canary) })
	mustCLI(t, "", "camera", "edit", cam, "--name", "Porch $(touch "+canary+"); `touch "+canary+"`", "--data", site.data)
	mustCLI(t, "", "household", "add", "Beta", "--data", site.data)
	other := addCamera(t, site.data, "Beta", "Beta cam", "rtsp://127.0.0.1:9/unset")
	token := strings.TrimSpace(mustCLI(t, "", "token", "create", "--user", "ana", "--scope", "trigger", "--name", "doorbell", "--data", site.data))

	start := time.Now()
	srv := startServerWithEvents(t, site.data)
	waitRecorded(t, site.data, site.cams, start, 3*time.Second, 30*time.Second)

	c := newClient(t, srv.url)
	auth := []string{"Authorization", "Bearer " + token}
	label := "ring $(touch " + canary + ") `touch " + canary + "`; |&"
	code, body := c.call("POST", "/api/cameras/"+cam+"/events", `{"label":`+strconv.Quote(label)+`,"duration_s":2}`, auth...)
	if code != http.StatusCreated {
		t.Fatalf("trigger: %d %s", code, body)
	}
	var ev apiEvent
	if err := json.Unmarshal([]byte(body), &ev); err != nil || ev.Label != label || ev.Camera != cam || ev.Kind != "trigger" {
		t.Fatalf("triggered %s (%v)", body, err)
	}
	for _, tc := range []struct {
		name, path, body string
		hdr              []string
		want             int
	}{
		{"bad token", "/api/cameras/" + cam + "/events", `{"label":"x"}`, []string{"Authorization", "Bearer hth_0000"}, http.StatusUnauthorized},
		{"other household", "/api/cameras/" + other + "/events", `{"label":"x"}`, auth, http.StatusNotFound},
		{"malformed body", "/api/cameras/" + cam + "/events", `{"label":"x",`, auth, http.StatusBadRequest},
		{"newline in label", "/api/cameras/" + cam + "/events", `{"label":"a\nb $(touch ` + canary + `)"}`, auth, http.StatusBadRequest},
	} {
		if code, body := c.call("POST", tc.path, tc.body, tc.hdr...); code != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, code, body, tc.want)
		}
	}

	// The owner lists it and, once written, gets its thumbnail: the
	// keyframe of this very camera, by the ID stamped in its SEI.
	c.login("ana", sitePassword)
	code, body = c.call("GET", "/api/events?camera="+cam, "")
	var list struct {
		Events []apiEvent `json:"events"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Events) != 1 || list.Events[0].ID != ev.ID || list.Events[0].Label != label {
		t.Fatalf("list: %d %s", code, body)
	}
	evPath := "/api/events/" + ev.ID
	deadline := time.Now().Add(15 * time.Second)
	for ev.Thumbnail == "" {
		if time.Now().After(deadline) {
			t.Fatalf("no thumbnail: %s", body)
		}
		time.Sleep(100 * time.Millisecond)
		code, body = c.call("GET", evPath, "")
		if code != 200 || json.Unmarshal([]byte(body), &ev) != nil {
			t.Fatalf("get event: %d %s", code, body)
		}
	}
	resp, err := c.hc.Get(srv.url + ev.Thumbnail)
	if err != nil {
		t.Fatal(err)
	}
	thumb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != nvr.ThumbMP4 || !strings.Contains(resp.Header.Get("Cache-Control"), "private") {
		t.Fatalf("thumbnail: %d %v", resp.StatusCode, resp.Header)
	}
	stamp, ok := sei.Find(bytes.Split(thumb, []byte{0, 0, 0, 1}))
	if !ok || stamp.CameraID != cam {
		t.Fatalf("thumbnail shows camera %q (found %v), want %s", stamp.CameraID, ok, cam)
	}

	// The event's clip (pre roll + event + post roll so far) decodes.
	resp, err = c.hc.Get(srv.url + ev.Clip)
	if err != nil {
		t.Fatal(err)
	}
	clip, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/mp4" || len(clip) == 0 {
		t.Fatalf("clip: %d %v", resp.StatusCode, resp.Header)
	}
	path := filepath.Join(t.TempDir(), "event.mp4")
	if err := os.WriteFile(path, clip, 0o600); err != nil {
		t.Fatal(err)
	}
	ffmpegDecodes(t, path)
	// The event is still open, so its clip grows: a range of the same
	// version (If-Range) is those bytes; a newer version comes whole.
	etag := resp.Header.Get("ETag")
	req, _ := http.NewRequest("GET", srv.url+ev.Clip, nil)
	req.Header.Set("Range", "bytes=0-99")
	req.Header.Set("If-Range", etag)
	resp, err = c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case etag == "":
		t.Fatal("clip without an ETag")
	case resp.StatusCode == http.StatusPartialContent && bytes.Equal(part, clip[:100]):
	case resp.StatusCode == http.StatusOK && resp.Header.Get("ETag") != etag && len(part) >= len(clip):
	default:
		t.Fatalf("range of %s: %d (ETag %s), %d bytes", etag, resp.StatusCode, resp.Header.Get("ETag"), len(part))
	}

	// Pinning survives a reload; the trigger token may not read or pin.
	if code, body := c.call("POST", evPath+"/pin", `{"pinned":true}`); code != 200 || !strings.Contains(body, `"pinned":true`) {
		t.Fatalf("pin: %d %s", code, body)
	}
	tc := newClient(t, srv.url)
	if code, _ := tc.call("GET", evPath, "", auth...); code != http.StatusNotFound {
		t.Fatalf("trigger token read the event: %d", code)
	}
	if code, _ := tc.call("POST", evPath+"/pin", `{"pinned":false}`, auth...); code != http.StatusNotFound {
		t.Fatalf("trigger token pinned: %d", code)
	}
	if _, err := os.Stat(canary); err == nil {
		t.Fatal("canary file created: a label or camera name reached a shell")
	}
}

// TestCameraEditMotionFlags sets a camera's detection settings from the
// command line and refuses bad values with a usage error.
func TestCameraEditMotionFlags(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	mustCLI(t, "", "household", "add", "Alpha", "--data", data)
	cam := addCamera(t, data, "Alpha", "Porch", "rtsp://192.0.2.1/main")
	mustCLI(t, "", "camera", "edit", cam, "--motion", "bitstream", "--motion-sensitivity", "80", "--data", data)
	store, err := db.Open(context.Background(), filepath.Join(data, databaseFile))
	if err != nil {
		t.Fatal(err)
	}
	c, err := store.Camera(context.Background(), nvr.CameraID(cam))
	_ = store.Close()
	if err != nil || c.Detection.Detector != nvr.DetectorBitstream || c.Detection.Sensitivity != 80 {
		t.Fatalf("detection %+v, %v", c.Detection, err)
	}
	zones := `[{"name":"drive","polygon":[[0,0.5],[1,0.5],[1,1]]},{"name":"clock","mask":true,"polygon":[[0,0],[1,0],[1,0.1]]}]`
	mustCLI(t, "", "camera", "edit", cam, "--zones", zones, "--data", data)
	if store, err = db.Open(context.Background(), filepath.Join(data, databaseFile)); err != nil {
		t.Fatal(err)
	}
	c, err = store.Camera(context.Background(), nvr.CameraID(cam))
	_ = store.Close()
	if zs, zerr := c.Detection.ParsedZones(); err != nil || zerr != nil || len(zs) != 2 || zs[0].Name != "drive" || !zs[1].Mask {
		t.Fatalf("zones %q: %v %v", c.Detection.Zones, err, zerr)
	}
	if _, errs, code := cli(t, "", "camera", "edit", cam, "--zones", `[{"name":"x","polygon":[[0,0],[2,0],[1,1]]}]`, "--data", data); code != 1 || !strings.Contains(errs, "0..1") {
		t.Errorf("zone point out of range: exit %d, %s", code, errs)
	}
	for _, args := range [][]string{
		{"--motion", "magic"}, {"--motion", ""}, {"--motion-sensitivity", "0"}, {"--motion-sensitivity", "101"},
	} {
		if _, errs, code := cli(t, "", append(append([]string{"camera", "edit", cam}, args...), "--data", data)...); code != 2 || !strings.Contains(errs, "--motion") {
			t.Errorf("%v: exit %d, %s", args, code, errs)
		}
	}
	if _, errs, code := cli(t, "", "camera", "edit", cam, "--zones", "not json", "--data", data); code != 2 || !strings.Contains(errs, "--zones") {
		t.Errorf("--zones not json: exit %d, %s", code, errs)
	}
	// Events off and on again; the detector setting is kept throughout.
	for _, v := range []string{"off", "on"} {
		mustCLI(t, "", "camera", "edit", cam, "--events", v, "--data", data)
		if store, err = db.Open(context.Background(), filepath.Join(data, databaseFile)); err != nil {
			t.Fatal(err)
		}
		c, err = store.Camera(context.Background(), nvr.CameraID(cam))
		_ = store.Close()
		if err != nil || c.Detection.NoEvents != (v == "off") || c.Detection.Detector != nvr.DetectorBitstream {
			t.Fatalf("--events %s: detection %+v, %v", v, c.Detection, err)
		}
	}
	if _, errs, code := cli(t, "", "camera", "edit", cam, "--events", "maybe", "--data", data); code != 2 || !strings.Contains(errs, "--events") {
		t.Errorf("--events maybe: exit %d, %s", code, errs)
	}
}
