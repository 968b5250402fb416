package rtsp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/liberrors"

	"github.com/hearthnvr/hearth/streams/media"
)

// Error is what Run returns when a session fails: the operation, the class
// (one of the media sentinels, reachable with errors.Is) and a message from
// which credentials have been removed. The underlying library error is not
// kept, so nothing can print a secret it quoted.
type Error struct {
	Op   string // e.g. `camera 0123… main: describe rtsp://host/path`
	Kind error  // media.ErrAuth, ErrUnreachable, ErrUnsupported, ErrNotFound, ErrNoMedia or ErrProtocol
	Msg  string // redacted detail
	// Refused tells that Config.CheckAddr refused the address (Kind is then
	// media.ErrUnreachable); errors.Is(err, ErrAddrRefused) tests it.
	Refused bool
}

// ErrAddrRefused is matched (errors.Is) by the *Error of a session whose
// address Config.CheckAddr refused.
var ErrAddrRefused = errors.New("address refused")

func (e *Error) Error() string {
	if e.Msg == "" {
		return e.Op + ": " + e.Kind.Error()
	}
	return e.Op + ": " + e.Kind.Error() + ": " + e.Msg
}

// Unwrap returns the class, and ErrAddrRefused when CheckAddr refused the
// address.
func (e *Error) Unwrap() []error {
	if e.Refused {
		return []error{e.Kind, ErrAddrRefused}
	}
	return []error{e.Kind}
}

// classify picks the media sentinel for an error from gortsplib or the
// network. playing tells whether PLAY had succeeded; heard whether the peer
// sent any byte on the RTSP connection (a peer that talks but never says
// anything gortsplib understands speaks broken RTSP; a silent one is not
// answering).
func classify(err error, playing, heard bool) error {
	var (
		status  liberrors.ErrClientBadStatusCode
		sdp     liberrors.ErrClientSDPInvalid
		ctMiss  liberrors.ErrClientContentTypeMissing
		ctBad   liberrors.ErrClientContentTypeUnsupported
		tcpTO   liberrors.ErrClientTCPTimeout
		udpTO   liberrors.ErrClientUDPTimeout
		reqTO   liberrors.ErrClientRequestTimedOut
		dnsErr  *net.DNSError
		opErr   *net.OpError
		netErr  net.Error
		certErr *tls.CertificateVerificationError
		hostErr x509.HostnameError
		authErr x509.UnknownAuthorityError
		recErr  tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &status):
		switch status.Code {
		case base.StatusUnauthorized, base.StatusForbidden:
			return media.ErrAuth
		case base.StatusServiceUnavailable:
			return media.ErrUnreachable
		case base.StatusUnsupportedTransport:
			return media.ErrUnsupported
		case base.StatusNotFound:
			return media.ErrNotFound
		}
		return media.ErrProtocol
	case errors.As(err, &sdp), errors.As(err, &ctMiss), errors.As(err, &ctBad):
		return media.ErrProtocol
	case errors.As(err, &tcpTO), errors.As(err, &udpTO):
		return media.ErrNoMedia
	case errors.As(err, &reqTO):
		if heard {
			return media.ErrProtocol // it sent bytes, none of them an RTSP response
		}
		return media.ErrUnreachable // connected, but the camera does not answer
	case errors.As(err, &dnsErr), errors.As(err, &certErr), errors.As(err, &hostErr),
		errors.As(err, &authErr), errors.As(err, &recErr):
		return media.ErrUnreachable
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return media.ErrUnreachable
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.Is(err, context.DeadlineExceeded):
		return media.ErrUnreachable
	case errors.As(err, &netErr) && netErr.Timeout():
		switch {
		case playing:
			return media.ErrNoMedia
		case heard:
			return media.ErrProtocol
		}
		return media.ErrUnreachable // accepted, never answered
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed):
		return media.ErrUnreachable // the connection was lost
	}
	return media.ErrProtocol
}
