package ingest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// TestIngestCredentialsOnlyToTheirHost: the ingest's RTSP sessions send a
// camera's stored credentials to its main stream's host only; a sub stream
// on another host (another port of 127.0.0.1 here) gets none, whatever
// challenge it sends.
func TestIngestCredentialsOnlyToTheirHost(t *testing.T) {
	t.Parallel()
	for _, cfg := range []testpeer.CanaryConfig{{Digest: true}, {Basic: true}, {}} {
		main := testpeer.NewCredentialCanary(t, cfg)
		sub := testpeer.NewCredentialCanary(t, cfg)
		c := nvr.Camera{ID: nvr.NewCameraID(), MainURL: main.URL("main"), SubURL: sub.URL("sub"), Username: "admin",
			Password: nvr.NewSecret("INGEST-secret"), Transport: nvr.TransportTCP, LocalOK: true}
		newSource := rtspSource(IngestConfig{ReadTimeout: 5 * time.Second, Log: slog.New(slog.DiscardHandler), Now: time.Now})
		for _, s := range []struct{ stream, url string }{{"main", c.MainURL}, {"sub", c.SubURL}} {
			src, err := newSource(c, s.stream, s.url)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err = src.Run(ctx, func(*media.Unit) {})
			cancel()
			if err == nil {
				t.Fatalf("%s: a canary let the session play", s.stream)
			}
		}
		if !main.OfferedUser("admin") {
			t.Errorf("%+v: the main stream's own host got no credentials: %+v", cfg, main.Authorizations())
		}
		if sub.Requests() == 0 || sub.Offered() {
			t.Errorf("%+v: sub stream on another host: %d requests, offered %+v", cfg, sub.Requests(), sub.Authorizations())
		}
	}
}
