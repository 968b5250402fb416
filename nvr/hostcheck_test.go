package nvr

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
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
	if CheckAddrFor(true) != nil || CheckAddrFor(false) == nil {
		t.Error("CheckAddrFor: the admin's cameras get no check, the others RefuseLocalAddr")
	}
}

// TestEmbeddedIPv4Spellings: every IPv6 spelling of a local IPv4 address
// (IPv4-mapped, IPv4-compatible, NAT64 well-known and local-use, 6to4) is
// refused by the save-time check (LocalCameraHost, as a URL host is
// written) and the connect-time one (RefuseLocalAddr), while the same
// spellings of a foreign address pass both.
func TestEmbeddedIPv4Spellings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		host  string
		local bool
	}{
		{"[::127.0.0.1]", true},            // IPv4-compatible
		{"[::7f00:1]", true},               // the same, in hex
		{"[0:0:0:0:0:0:127.0.0.1]", true},  // the same, written out
		{"[::169.254.169.254]", true},      // compatible, metadata service
		{"[::ffff:127.0.0.1]", true},       // IPv4-mapped
		{"[::ffff:7f00:1]", true},          // mapped, in hex
		{"[::ffff:169.254.169.254]", true}, // mapped, link-local
		{"[64:ff9b::127.0.0.1]", true},     // NAT64 well-known prefix
		{"[64:ff9b::7f00:1]", true},
		{"[64:ff9b::a9fe:a9fe]", true},      // NAT64, 169.254.169.254
		{"[64:ff9b:1::127.0.0.1]", true},    // NAT64 local-use, /96
		{"[64:ff9b:1:7f00:0:100::]", true},  // NAT64 local-use, /48: 127.0 | u | 0.1
		{"[64:ff9b:1:7f:0:1::]", true},      // NAT64 local-use, /56: 127 | u | 0.0.1
		{"[64:ff9b:1:0:7f:0:100::]", true},  // NAT64 local-use, /64: u | 127.0.0.1
		{"[2002:7f00:1::]", true},           // 6to4 of 127.0.0.1
		{"[2002:a9fe:a9fe::1]", true},       // 6to4 of 169.254.169.254
		{"[::0.0.0.0]", true},               // unspecified
		{"[::ffff:0.0.0.0]", true},          // unspecified, mapped
		{"[::203.0.113.5]", false},          // compatible, foreign
		{"[::ffff:203.0.113.5]", false},     // mapped, foreign
		{"[64:ff9b::203.0.113.5]", false},   // NAT64, foreign
		{"[64:ff9b:1::203.0.113.5]", false}, // NAT64 local-use, foreign at every length
		{"[2002:cb00:7105::1]", false},      // 6to4 of 203.0.113.5
		{"[2001:db8::7f00:1]", false},       // documentation prefix: no IPv4 inside
	} {
		host := strings.Trim(tc.host, "[]")
		a := netip.MustParseAddr(host)
		if !tc.local {
			for _, v4 := range append(embeddedIPv4(a), a.Unmap()) {
				if slices.Contains(ownAddrs(), v4) {
					t.Fatalf("%s: this machine owns %s; the table needs another foreign address", tc.host, v4)
				}
			}
		}
		if got := LocalCameraHost(context.Background(), tc.host, nil); got != tc.local {
			t.Errorf("LocalCameraHost(%q) = %v, want %v", tc.host, got, tc.local)
		}
		if got := IsLoopbackOrLinkLocal(tc.host); got != tc.local {
			t.Errorf("IsLoopbackOrLinkLocal(%q) = %v, want %v", tc.host, got, tc.local)
		}
		err := RefuseLocalAddr(a)
		if tc.local != errors.Is(err, ErrLocalCameraAddr) || (!tc.local && err != nil) {
			t.Errorf("RefuseLocalAddr(%s) = %v, want refused %v", a, err, tc.local)
		}
	}
}
