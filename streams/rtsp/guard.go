package rtsp

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"syscall"

	"github.com/hearthnvr/hearth/streams/media"
)

// Config.CheckAddr applied where the client reaches the network: in the
// dialer of the RTSP connection (after name resolution, before connect) and
// on every UDP write. Checking the address actually used, rather than the
// name earlier, is what closes DNS rebinding.

// refusedError is what the dialer or a UDP write returns for an address
// CheckAddr refused; its text is the hook's, redacted.
type refusedError struct{ msg string }

func (e *refusedError) Error() string { return e.msg }

// checkAddr applies Config.CheckAddr to ip, remembering the first refusal
// so the session's error names it whatever the library wrapped around it.
func (s *session) checkAddr(ip netip.Addr) error {
	if s.cfg.CheckAddr == nil {
		return nil
	}
	err := s.cfg.CheckAddr(ip)
	if err == nil {
		return nil
	}
	msg := s.red.clean(err.Error())
	s.refused.CompareAndSwap(nil, &msg)
	return &refusedError{msg: msg}
}

// control is the dialer's ControlContext: address is the resolved
// "ip:port" about to be connected.
func (s *session) control(_ context.Context, _, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		// Fail closed: an address the hook cannot see is not dialed.
		return s.checkAddr(netip.IPv6Unspecified())
	}
	return s.checkAddr(ap.Addr())
}

// refusal returns the session's error when CheckAddr refused an address,
// else nil.
func (s *session) refusal() error {
	m := s.refused.Load()
	if m == nil {
		return nil
	}
	return &Error{Op: s.c.op + ": connect " + s.c.redacted, Kind: media.ErrUnreachable, Msg: *m, Refused: true}
}

// checkedUDPConn refuses writes to addresses CheckAddr refuses: a camera
// names the UDP destination of RTP/RTCP in its SETUP answer (source=), so
// it must not be able to aim those packets at this host. It keeps the
// methods gortsplib needs of a UDP socket (SyscallConn, SetReadBuffer).
type checkedUDPConn struct {
	*net.UDPConn
	s *session
}

func (c checkedUDPConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return 0, errors.New("rtsp: udp write to a non-UDP address")
	}
	if err := c.s.checkAddr(ua.AddrPort().Addr()); err != nil {
		return 0, err
	}
	return c.UDPConn.WriteTo(b, addr)
}
