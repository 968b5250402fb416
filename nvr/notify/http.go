package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// httpClients holds one client for targets the appliance admin set (which
// may reach this appliance) and one for users' own targets, whose dialer
// refuses this appliance's addresses at connect time: the save-time check
// cannot see a name that rebinds later (the rule of camera URLs,
// nvr.RefuseLocalAddr).
type httpClients struct {
	local, remote *http.Client
}

func newHTTPClients(timeout time.Duration, roots *x509.CertPool) httpClients {
	mk := func(check func(netip.Addr) error) *http.Client {
		d := &net.Dialer{Timeout: timeout, Control: func(_, address string, _ syscall.RawConn) error {
			if check == nil {
				return nil
			}
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("dial %q: %w", address, err)
			}
			return check(ap.Addr())
		}}
		tr := &http.Transport{
			// No proxy from the environment: a proxy would dial for us and
			// the address check above would see only the proxy.
			Proxy:               nil,
			DialContext:         d.DialContext,
			TLSClientConfig:     &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout: timeout,
			MaxIdleConnsPerHost: 2,
			IdleConnTimeout:     time.Minute,
		}
		return &http.Client{Transport: tr, Timeout: timeout,
			// A redirect is not followed: the target is what its owner saved.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return httpClients{local: mk(nil), remote: mk(nvr.RefuseLocalAddr)}
}

func (h httpClients) clientFor(ch nvr.NotifyChannel) *http.Client {
	if ch.LocalOK {
		return h.local
	}
	return h.remote
}

// do sends req and reads the answer's status. 2xx is success; 4xx other
// than 408 and 429 is permanent (the receiver refuses this message), the
// rest may pass on a retry. Errors never carry the target URL: a webhook
// URL often holds a token.
func (h httpClients) do(ctx context.Context, ch nvr.NotifyChannel, req *http.Request) error {
	resp, err := h.clientFor(ch).Do(req.WithContext(ctx))
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(err, nvr.ErrLocalCameraAddr) {
			return permanent(errors.New("target resolves to this appliance; refused"))
		}
		return fmt.Errorf("send: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != 408 && resp.StatusCode != 429:
		return permanent(fmt.Errorf("receiver answered %s", resp.Status))
	}
	return fmt.Errorf("receiver answered %s", resp.Status)
}

// sender sends one decided message on one channel.
type sender interface {
	send(ctx context.Context, ch nvr.NotifyChannel, m Message) error
}
