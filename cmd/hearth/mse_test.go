package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/coder/websocket"

	"github.com/hearthnvr/hearth/streams/sei"
)

// TestMSELive runs the real serve path with two simulated cameras: the MSE
// WebSocket of the second camera carries that camera's frames, from the
// ingest hub the binary wires to the route.
func TestMSELive(t *testing.T) {
	t.Parallel()
	site := newRecordingSite(t, 2)
	srv := startServer(t, site.data)
	c := newClient(t, srv.url)
	c.login("ana", sitePassword)
	base, _ := url.Parse(srv.url)
	hdr := http.Header{}
	for _, ck := range c.hc.Jar.Cookies(base) {
		hdr.Add("Cookie", ck.String())
	}
	cam := site.cams[1]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	wsURL := "ws" + strings.TrimPrefix(srv.url, "http") + "/api/cameras/" + cam + "/mse"

	// The camera needs a moment to connect: 503 until it streams.
	var conn *websocket.Conn
	for {
		var resp *http.Response
		var err error
		conn, resp, err = websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: hdr})
		if err == nil {
			break
		}
		if resp == nil || resp.StatusCode != http.StatusServiceUnavailable || ctx.Err() != nil {
			t.Fatalf("dial: %v (%v)", err, resp)
		}
		time.Sleep(100 * time.Millisecond)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(8 << 20)

	typ, p, err := conn.Read(ctx)
	if err != nil || typ != websocket.MessageText {
		t.Fatalf("hello: %v %v", typ, err)
	}
	var hello struct{ Codec, Camera string }
	if err := json.Unmarshal(p, &hello); err != nil || hello.Camera != cam || !strings.HasPrefix(hello.Codec, "avc1.") {
		t.Fatalf("hello %s: %v", p, err)
	}
	if _, p, err = conn.Read(ctx); err != nil {
		t.Fatal(err)
	}
	var in fmp4.Init
	if err := in.Unmarshal(bytes.NewReader(p)); err != nil {
		t.Fatalf("init: %v", err)
	}
	for i := range 5 {
		_, p, err := conn.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var parts fmp4.Parts
		if err := parts.Unmarshal(p); err != nil {
			t.Fatalf("fragment %d: %v", i, err)
		}
		var au h264.AVCC
		if err := au.Unmarshal(parts[0].Tracks[0].Samples[0].Payload); err != nil {
			t.Fatal(err)
		}
		if st, ok := sei.Find(au); !ok || st.CameraID != cam {
			t.Fatalf("fragment %d from camera %q, want %s", i, st.CameraID, cam)
		}
	}
	conn.Close(websocket.StatusNormalClosure, "")
}
