package nvr

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// LookupHost resolves a host name to addresses; net.DefaultResolver's
// LookupHost in production.
type LookupHost func(ctx context.Context, host string) ([]string, error)

// hostLookupTimeout bounds the name lookup of a camera URL check.
const hostLookupTimeout = 2 * time.Second

// LocalCameraHost reports whether a camera URL's host reaches this
// appliance or a link-local address, so a non-admin cannot aim Hearth at
// its own services (its web and WebRTC ports, a local database) or a cloud
// metadata endpoint. It catches the spellings a C resolver accepts for an
// address (127.1, 0x7f000001, 2130706433, 0177.0.0.1), IPv6 spellings
// of an IPv4 address (mapped, compatible, NAT64, 6to4: embeddedIPv4), the
// addresses of this machine's own interfaces, and names that resolve
// to any of these. A name that does not resolve now is not refused: the
// connection resolves it again and fails the same way.
//
// A name that changes its answer between this check and the connection
// (DNS rebinding at the camera side) is not caught here: RefuseLocalAddr,
// applied by the RTSP client's dialer to the address it actually dials,
// catches it at connect time.
func LocalCameraHost(ctx context.Context, host string, lookup LookupHost) bool {
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if IsLoopbackOrLinkLocal(host) {
		return true
	}
	own := ownAddrs()
	if ip, ok := parseHostAddr(host); ok {
		return localAddr(ip, own)
	}
	if lookup == nil {
		lookup = net.DefaultResolver.LookupHost
	}
	ctx, cancel := context.WithTimeout(ctx, hostLookupTimeout)
	defer cancel()
	addrs, err := lookup(ctx, host)
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if ip, ok := parseHostAddr(a); ok && localAddr(ip, own) {
			return true
		}
	}
	return false
}

// ErrLocalCameraAddr is RefuseLocalAddr's refusal: its text is what a
// camera's status shows.
var ErrLocalCameraAddr = errors.New("camera address resolves to this appliance; refused")

// RefuseLocalAddr is the connect-time form of LocalCameraHost: it refuses
// (ErrLocalCameraAddr) an address that is loopback, link-local,
// unspecified, interface-local multicast or one of this machine's own
// interface addresses, in any IPv6 spelling of an IPv4 one (embeddedIPv4).
// The ingest and the connection test give it to the RTSP client
// (rtsp.Config.CheckAddr) for every camera whose URLs the appliance admin
// did not set (Camera.LocalOK), so a name that rebinds to this appliance
// after the save-time check is refused at the dial. It reads the interface addresses on every call: dials are rare.
func RefuseLocalAddr(ip netip.Addr) error {
	if localAddr(ip, ownAddrs()) {
		return ErrLocalCameraAddr
	}
	return nil
}

// CheckAddrFor returns the connect-time check for a camera whose URLs
// may (localOK) or may not reach this appliance.
func CheckAddrFor(localOK bool) func(netip.Addr) error {
	if localOK {
		return nil
	}
	return RefuseLocalAddr
}

// localAddr reports whether ip, or an IPv4 address embedded in it, is
// local (see RefuseLocalAddr).
func localAddr(ip netip.Addr, own []netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	if localAddrOnly(ip, own) {
		return true
	}
	for _, v4 := range embeddedIPv4(ip) {
		// 0.0.0.0 inside is the padding of a longer prefix reading (or
		// "::" itself, caught above), not an address a translator dials.
		if !v4.IsUnspecified() && localAddrOnly(v4, own) {
			return true
		}
	}
	return false
}

func localAddrOnly(ip netip.Addr, own []netip.Addr) bool {
	if ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified() ||
		ip.IsInterfaceLocalMulticast() {
		return true
	}
	return slices.Contains(own, ip)
}

// embeddedIPv4 returns the IPv4 addresses an IPv6 address may stand for:
// IPv4-compatible (::a.b.c.d), NAT64 well-known (64:ff9b::a.b.c.d), NAT64
// local-use (64:ff9b:1::/48, at every RFC 6052 prefix length from /48 to
// /96, since the translator's choice is not known here) and 6to4
// (2002:AABB:CCDD::/48). IPv4-mapped addresses are unmapped by the caller.
func embeddedIPv4(ip netip.Addr) []netip.Addr {
	if !ip.Is6() {
		return nil
	}
	// Prefixes whose addresses carry an IPv4 address (RFC 4291, 6052, 8215,
	// 3056). A stack or a translator on the way may deliver such an address
	// to the IPv4 one, so rtsp://[::127.0.0.1]/ must not pass as foreign.
	var (
		v4Compat  = netip.MustParsePrefix("::/96")
		nat64WKP  = netip.MustParsePrefix("64:ff9b::/96")
		nat64Loc  = netip.MustParsePrefix("64:ff9b:1::/48")
		sixToFour = netip.MustParsePrefix("2002::/16")
	)
	b := ip.As16()
	v4 := func(i ...int) netip.Addr {
		return netip.AddrFrom4([4]byte{b[i[0]], b[i[1]], b[i[2]], b[i[3]]})
	}
	switch {
	case v4Compat.Contains(ip), nat64WKP.Contains(ip):
		return []netip.Addr{v4(12, 13, 14, 15)}
	case nat64Loc.Contains(ip):
		// RFC 6052 section 2.2: bits 64-71 are skipped at /48 and /56.
		return []netip.Addr{v4(6, 7, 9, 10), v4(7, 9, 10, 11), v4(9, 10, 11, 12), v4(12, 13, 14, 15)}
	case sixToFour.Contains(ip):
		return []netip.Addr{v4(2, 3, 4, 5)}
	}
	return nil
}

// ownAddrs lists this machine's interface addresses; none when unknown.
func ownAddrs() []netip.Addr {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, p.Addr().Unmap().WithZone(""))
		}
	}
	return out
}

// parseHostAddr parses an IP address in any spelling inet_aton accepts
// (1 to 4 parts, each decimal, octal with a leading 0, or hex with 0x), or
// an IPv6 address.
func parseHostAddr(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a, true
	}
	parts := strings.Split(s, ".")
	if len(parts) == 0 || len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		base := 10
		switch {
		case strings.HasPrefix(strings.ToLower(p), "0x"):
			base, p = 16, p[2:]
		case len(p) > 1 && p[0] == '0':
			base, p = 8, p[1:]
		}
		n, err := strconv.ParseUint(p, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	// The last part fills the remaining bytes (a.b.c.d, a.b.16bits,
	// a.24bits, 32bits).
	last := len(nums) - 1
	if nums[last] >= 1<<(8*(4-last)) {
		return netip.Addr{}, false
	}
	v := nums[last]
	for i := 0; i < last; i++ {
		if nums[i] > 255 {
			return netip.Addr{}, false
		}
		v |= nums[i] << (8 * (3 - i))
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}
