package testpeer

import (
	"errors"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/liberrors"
)

// describe sends one DESCRIBE to rawURL with gortsplib's client, which
// answers a 401 challenge with the URL's credentials.
func describe(t *testing.T, rawURL string) *base.Response {
	t.Helper()
	u, err := base.ParseURL(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	c := &gortsplib.Client{Scheme: u.Scheme, Host: u.Host, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, res, err := c.Describe(u)
	var bad liberrors.ErrClientBadStatusCode
	if err != nil && !errors.As(err, &bad) {
		t.Fatalf("describe %s: %v", u.Host, err)
	}
	return res
}

// TestCredentialCanary: a client without credentials arrives and is not
// counted as offering any; a client with credentials is recorded by
// method, user and (Basic only) password, whichever challenge it got; the
// configured credentials are accepted (404, not 401).
func TestCredentialCanary(t *testing.T) {
	t.Run("no credentials", func(t *testing.T) {
		c := NewCredentialCanary(t, CanaryConfig{})
		describe(t, c.URL("x"))
		if c.Requests() == 0 || c.Offered() {
			t.Fatalf("requests %d offered %v, want >0 and false", c.Requests(), c.Offered())
		}
	})
	for _, tc := range []struct {
		name       string
		cfg        CanaryConfig
		wantMethod string
		wantPass   string
	}{
		{"basic only", CanaryConfig{Basic: true}, "Basic", "s3cret"},
		{"digest only", CanaryConfig{Digest: true}, "Digest", ""},
		{"both", CanaryConfig{}, "Digest", ""}, // gortsplib's client prefers Digest
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCredentialCanary(t, tc.cfg)
			res := describe(t, "rtsp://admin:s3cret@"+c.Addr()+"/x")
			if res == nil || res.StatusCode != base.StatusUnauthorized {
				t.Fatalf("answer %v, want 401", res)
			}
			if !c.Offered() || !c.OfferedUser("admin") || c.OfferedUser("other") {
				t.Fatalf("offered %v, admin %v, other %v", c.Offered(), c.OfferedUser("admin"), c.OfferedUser("other"))
			}
			a := c.Authorizations()[0]
			if a.Method != tc.wantMethod || a.Password != tc.wantPass || a.Raw == "" {
				t.Fatalf("recorded %+v, want method %s password %q", a, tc.wantMethod, tc.wantPass)
			}
		})
	}
	t.Run("accepted credentials", func(t *testing.T) {
		c := NewCredentialCanary(t, CanaryConfig{Username: "admin", Password: "s3cret"})
		if res := describe(t, "rtsp://admin:s3cret@"+c.Addr()+"/x"); res == nil || res.StatusCode != base.StatusNotFound {
			t.Fatalf("answer %v, want 404", res)
		}
		if res := describe(t, c.URLOn("localhost", "x")); res == nil || res.StatusCode != base.StatusUnauthorized {
			t.Fatalf("answer without credentials %v, want 401", res)
		}
	})
}
