package rtsp

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// redirector answers every DESCRIBE with 301 to location.
type redirector struct{ location string }

func (r redirector) OnDescribe(*gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	return &base.Response{StatusCode: base.StatusMovedPermanently, Header: base.Header{"Location": {r.location}}}, nil, nil
}

// TestRedirectKeepsCredentialsHome: a camera that redirects to another
// host (a credential canary) does not get its credentials sent there: the
// client refuses the dial, and says why. Without credentials the redirect
// is followed, as before.
func TestRedirectKeepsCredentialsHome(t *testing.T) {
	t.Parallel()
	for _, withCreds := range []bool{true, false} {
		canary := testpeer.NewCredentialCanary(t, testpeer.CanaryConfig{})
		srv := &gortsplib.Server{Handler: redirector{location: canary.URL("x")}, RTSPAddress: "127.0.0.1:0"}
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Close)
		cfg := Config{CameraID: "c", URL: "rtsp://" + srv.NetListener().Addr().String() + "/cam", ReadTimeout: 5 * time.Second}
		if withCreds {
			cfg.Username, cfg.Password = "admin", "REDIRECT-secret"
		}
		c, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = c.Run(ctx, func(*media.Unit) {})
		cancel()
		if err == nil {
			t.Fatal("the session played")
		}
		if canary.Offered() {
			t.Fatalf("credentials %v: the other host was offered %+v", withCreds, canary.Authorizations())
		}
		if withCreds && (canary.Requests() != 0 || !strings.Contains(err.Error(), "redirected to another host") ||
			strings.Contains(err.Error(), "REDIRECT-secret")) {
			t.Fatalf("with credentials: %d requests reached the other host; error %v", canary.Requests(), err)
		}
		if !withCreds && canary.Requests() == 0 {
			t.Fatalf("without credentials the redirect was not followed: %v", err)
		}
	}
}

// TestSameHostPort: the default ports and case.
func TestSameHostPort(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr, url string
		want      bool
	}{
		{"cam:554", "rtsp://CAM/x", true},
		{"cam:322", "rtsps://cam/x", true},
		{"cam:8554", "rtsp://cam:8554/x", true},
		{"[::1]:554", "rtsp://[::1]/x", true},
		{"cam:554", "rtsps://cam/x", false},
		{"cam2:554", "rtsp://cam/x", false},
		{"cam:555", "rtsp://cam/x", false},
	} {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := sameHostPort(tc.addr, u); got != tc.want {
			t.Errorf("sameHostPort(%q, %q) = %v, want %v", tc.addr, tc.url, got, tc.want)
		}
	}
}
