package testpeer

import (
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/auth"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/headers"
	"github.com/bluenviron/gortsplib/v5/pkg/liberrors"
)

// CanaryConfig chooses the challenges a CredentialCanary offers.
type CanaryConfig struct {
	// Basic and Digest (MD5) are the challenges sent with each 401. Neither
	// set means both, Basic first, as cameras commonly offer them.
	Basic, Digest bool
	// Username and Password, when Username is set, are the credentials the
	// canary accepts: a request carrying them is answered 404 Not Found
	// instead of 401, so a test can tell "authenticated" from "refused".
	Username, Password string
}

// CanaryAuth is one Authorization header a CredentialCanary received.
type CanaryAuth struct {
	Method   string // "Basic" or "Digest"
	Username string
	// Password is the cleartext password of a Basic header; a Digest header
	// carries only a hash, so it is empty there.
	Password string
	// Raw is the header as received.
	Raw string
}

// CredentialCanary is a real RTSP server on 127.0.0.1 (gortsplib) that
// answers every DESCRIBE and SETUP with 401 and a Basic and/or Digest
// challenge, and records every Authorization header it receives. A test
// points a client at it to prove that credentials stored for another host
// are never offered here: Requests shows the client did arrive, Offered
// that it sent credentials. It stops when t ends. Its methods are safe for
// concurrent use.
type CredentialCanary struct {
	cfg  CanaryConfig
	srv  *gortsplib.Server
	mu   sync.Mutex
	reqs int
	auth []CanaryAuth
}

// NewCredentialCanary starts a canary on 127.0.0.1 port 0.
func NewCredentialCanary(t testing.TB, cfg CanaryConfig) *CredentialCanary {
	t.Helper()
	if !cfg.Basic && !cfg.Digest {
		cfg.Basic, cfg.Digest = true, true
	}
	c := &CredentialCanary{cfg: cfg}
	var methods []auth.VerifyMethod
	if cfg.Basic {
		methods = append(methods, auth.VerifyMethodBasic)
	}
	if cfg.Digest {
		methods = append(methods, auth.VerifyMethodDigestMD5)
	}
	c.srv = &gortsplib.Server{
		Handler:     (*canaryHandler)(c),
		RTSPAddress: "127.0.0.1:0",
		AuthMethods: methods,
	}
	if err := c.srv.Start(); err != nil {
		t.Fatalf("credential canary: %v", err)
	}
	t.Cleanup(c.srv.Close)
	return c
}

// Addr is the canary's host:port.
func (c *CredentialCanary) Addr() string { return c.srv.NetListener().Addr().String() }

// Port is the canary's TCP port.
func (c *CredentialCanary) Port() int {
	return c.srv.NetListener().Addr().(*net.TCPAddr).Port
}

// URL is rtsp://ADDR/path (path without its leading slash).
func (c *CredentialCanary) URL(path string) string { return "rtsp://" + c.Addr() + "/" + path }

// URLOn is rtsp://host:PORT/path: the canary under another name for
// 127.0.0.1 (localhost, say), which a client treats as another host.
func (c *CredentialCanary) URLOn(host, path string) string {
	return "rtsp://" + net.JoinHostPort(host, strconv.Itoa(c.Port())) + "/" + path
}

// Requests is how many RTSP requests arrived (OPTIONS included).
func (c *CredentialCanary) Requests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reqs
}

// Offered reports whether any request carried an Authorization header.
func (c *CredentialCanary) Offered() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.auth) > 0
}

// OfferedUser reports whether any Authorization header named user.
func (c *CredentialCanary) OfferedUser(user string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.ContainsFunc(c.auth, func(a CanaryAuth) bool { return a.Username == user })
}

// Authorizations returns a copy of every Authorization header received,
// in order.
func (c *CredentialCanary) Authorizations() []CanaryAuth {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.auth)
}

// canaryHandler is the canary's gortsplib handler; a separate type keeps
// the callbacks out of CredentialCanary's documented methods.
type canaryHandler CredentialCanary

var (
	_ gortsplib.ServerHandlerOnRequest  = (*canaryHandler)(nil)
	_ gortsplib.ServerHandlerOnDescribe = (*canaryHandler)(nil)
	_ gortsplib.ServerHandlerOnSetup    = (*canaryHandler)(nil)
)

// OnRequest records the request and its Authorization header, if any.
func (h *canaryHandler) OnRequest(_ *gortsplib.ServerConn, req *base.Request) {
	c := (*CredentialCanary)(h)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reqs++
	for _, v := range req.Header["Authorization"] {
		a := CanaryAuth{Raw: v}
		var parsed headers.Authorization
		if err := parsed.Unmarshal(base.HeaderValue{v}); err == nil {
			a.Username, a.Password = parsed.Username, parsed.BasicPass
			switch parsed.Method {
			case headers.AuthMethodBasic:
				a.Method = "Basic"
			case headers.AuthMethodDigest:
				a.Method = "Digest"
			}
		}
		c.auth = append(c.auth, a)
	}
}

// OnDescribe refuses unless the configured credentials came.
func (h *canaryHandler) OnDescribe(ctx *gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	return h.answer(ctx.Conn, ctx.Request)
}

// OnSetup refuses the same way: a client may SETUP without DESCRIBE.
func (h *canaryHandler) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	return h.answer(ctx.Conn, ctx.Request)
}

func (h *canaryHandler) answer(conn *gortsplib.ServerConn, req *base.Request) (*base.Response, *gortsplib.ServerStream, error) {
	if u := h.cfg.Username; u != "" && conn.VerifyCredentials(req, u, h.cfg.Password) {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
	}
	// ErrServerAuth makes gortsplib add the WWW-Authenticate challenges to
	// a request without credentials, and close the connection after wrong
	// ones.
	return &base.Response{StatusCode: base.StatusUnauthorized}, nil, liberrors.ErrServerAuth{}
}
