package nvr_test

import (
	"slices"
	"testing"

	"github.com/hearthnvr/hearth/nvr"
)

// TestCredentialHost: the spellings of one scheme, host and port are one
// credential host; another scheme, port or host is another.
func TestCredentialHost(t *testing.T) {
	t.Parallel()
	same := [][2]string{
		{"rtsp://Host:554/", "rtsp://host/"},
		{"RTSP://CAM.LAN/main", "rtsp://cam.lan:554/sub?x=1"},
		{"rtsp://cam.lan./a", "rtsp://cam.lan/b"},
		{"rtsps://cam/a", "rtsps://cam:322/b"},
		{"rtsp://192.168.1.20/a", "rtsp://192.168.1.20:554/b"},
		{"rtsp://[::ffff:192.168.1.20]/a", "rtsp://192.168.1.20/b"},
		{"rtsp://[2001:DB8::1]/a", "rtsp://[2001:db8:0::1]:554/b"},
		{"rtsp://user:pw@cam/a", "rtsp://cam/b"},
	}
	for _, p := range same {
		if !nvr.SameCredentialHost(p[0], p[1]) {
			ha, _ := nvr.CredentialHost(p[0])
			hb, _ := nvr.CredentialHost(p[1])
			t.Errorf("%s and %s: %q vs %q, want the same host", p[0], p[1], ha, hb)
		}
	}
	other := [][2]string{
		{"rtsp://cam/a", "rtsps://cam/a"},         // TLS is not plain
		{"rtsp://cam:322/a", "rtsps://cam:322/a"}, // even on one port
		{"rtsps://cam/a", "rtsps://cam:554/a"},
		{"rtsp://cam/a", "rtsp://cam:8554/a"},
		{"rtsp://cam/a", "rtsp://cam2/a"},
		{"rtsp://cam.lan/a", "rtsp://cam.lan.evil.example/a"},
		{"rtsp://192.168.1.20/a", "rtsp://192.168.1.21/a"},
		{"rtsp://[fe80::1%25eth0]/a", "rtsp://[fe80::1%25eth1]/a"},
		{"rtsp://cam/a", "not a url"},
		{"", ""},
	}
	for _, p := range other {
		if nvr.SameCredentialHost(p[0], p[1]) {
			t.Errorf("%s and %s: the same host, want different", p[0], p[1])
		}
	}
	if h, ok := nvr.CredentialHost("rtsp://Cam.Lan/x"); !ok || h != "rtsp://cam.lan:554" {
		t.Errorf("CredentialHost = %q %v, want rtsp://cam.lan:554", h, ok)
	}
}

// TestStreamCredentials: the stored pair goes to the main stream's host
// only.
func TestStreamCredentials(t *testing.T) {
	t.Parallel()
	c := nvr.Camera{MainURL: "rtsp://cam/main", SubURL: "rtsp://other/sub", Username: "admin", Password: nvr.NewSecret(secretValue)}
	if u, pw := c.StreamCredentials("rtsp://CAM:554/sub"); u != "admin" || pw.Reveal() != secretValue {
		t.Errorf("same host: %q, password set %v", u, pw.IsSet())
	}
	for _, url := range []string{c.SubURL, "rtsps://cam/main", "rtsp://cam:8554/main", ""} {
		if u, pw := c.StreamCredentials(url); u != "" || pw.IsSet() {
			t.Errorf("%q: credentials given to another host", url)
		}
	}
}

// TestCredentialNotices: a clearing and a withheld sub stream are told,
// once; nothing else is.
func TestCredentialNotices(t *testing.T) {
	t.Parallel()
	pw := nvr.NewSecret(secretValue)
	withCreds := nvr.Camera{MainURL: "rtsp://cam/main", SubURL: "rtsp://cam/sub", Username: "admin", Password: pw}
	moved := nvr.Camera{MainURL: "rtsp://evil/main", SubURL: "rtsp://cam/sub"}
	reentered := moved
	reentered.Username, reentered.Password = "admin2", nvr.NewSecret("new")
	subAway := withCreds
	subAway.SubURL = "rtsp://evil/sub"
	renamed := subAway
	renamed.Name = "x"
	for _, tc := range []struct {
		name     string
		old, cur nvr.Camera
		want     []string
	}{
		{"unchanged", withCreds, withCreds, nil},
		{"main moved, nothing entered", withCreds, moved, []string{nvr.NoticeCredentialsCleared}},
		{"main moved, new credentials", withCreds, reentered, []string{nvr.NoticeSubOtherHost}},
		{"sub moved", withCreds, subAway, []string{nvr.NoticeSubOtherHost}},
		{"sub already away, renamed", subAway, renamed, nil},
		{"added with sub on another host", nvr.Camera{}, subAway, []string{nvr.NoticeSubOtherHost}},
		{"added without credentials", nvr.Camera{}, moved, nil},
	} {
		if got := nvr.CredentialNotices(tc.old, tc.cur); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
