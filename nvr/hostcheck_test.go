package nvr

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"
)

func TestParseHostAddr(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"127.1": "127.0.0.1", "0x7f000001": "127.0.0.1", "2130706433": "127.0.0.1", "0177.0.0.1": "127.0.0.1",
		"127.0.1": "127.0.0.1", "0x7f.1": "127.0.0.1", "169.254.169.254": "169.254.169.254", "::ffff:127.0.0.1": "::ffff:127.0.0.1",
		"192.0.2.1": "192.0.2.1", "cam.example": "", "0x": "", "1.2.3.4.5": "", "256.1.1.1": "", "1.2.3.256": "", "cafe": "",
	} {
		a, ok := parseHostAddr(in)
		got := ""
		if ok {
			got = a.String()
		}
		if got != want {
			t.Errorf("parseHostAddr(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLocalCameraHost(t *testing.T) {
	t.Parallel()
	lookup := func(_ context.Context, host string) ([]string, error) {
		if host == "rebind.example" {
			return []string{"192.0.2.1", "127.0.0.1"}, nil
		}
		return []string{"198.51.100.2"}, nil
	}
	for host, want := range map[string]bool{
		"localhost": true, "127.1": true, "[::1]": true, "::ffff:127.0.0.1": true, "169.254.169.254": true,
		"fe80::1%eth0": true, "0.0.0.0": true, "rebind.example": true, "rebind.example.": true,
		"cam.example": false, "198.51.100.9": false,
	} {
		if got := LocalCameraHost(context.Background(), host, lookup); got != want {
			t.Errorf("LocalCameraHost(%q) = %v, want %v", host, got, want)
		}
	}
}

// TestRefuseLocalAddr: the connect-time check refuses this appliance's
// addresses, IPv4-mapped too, and lets foreign ones through.
func TestRefuseLocalAddr(t *testing.T) {
	t.Parallel()
	refused := []string{"127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1", "169.254.169.254", "fe80::1",
		"fe80::1%eth0", "0.0.0.0", "::", "::ffff:169.254.1.1", "ff01::1"}
	for _, a := range ownAddrs() {
		refused = append(refused, a.String())
	}
	for _, s := range refused {
		if err := RefuseLocalAddr(netip.MustParseAddr(s)); !errors.Is(err, ErrLocalCameraAddr) {
			t.Errorf("RefuseLocalAddr(%s) = %v, want ErrLocalCameraAddr", s, err)
		}
	}
	for _, s := range []string{"192.0.2.1", "198.51.100.9", "2001:db8::1", "::ffff:203.0.113.5"} {
		a := netip.MustParseAddr(s)
		if slices.Contains(ownAddrs(), a.Unmap()) {
			continue // this machine's own address here
		}
		if err := RefuseLocalAddr(a); err != nil {
			t.Errorf("RefuseLocalAddr(%s) = %v, want nil", s, err)
		}
	}
	if checkAddrFor(true) != nil || checkAddrFor(false) == nil {
		t.Error("checkAddrFor: the admin's cameras get no check, the others RefuseLocalAddr")
	}
}
