package nvr_test

import (
	"testing"

	"github.com/hearthnvr/hearth/nvr"
)

func TestParseONVIFURL(t *testing.T) {
	t.Parallel()
	good := map[string]string{
		"http://192.168.1.20":                        "http://192.168.1.20/onvif/device_service",
		"HTTP://cam.lan:8000/":                       "http://cam.lan:8000/onvif/device_service",
		"https://cam.lan/onvif/device_service?x=1#f": "https://cam.lan/onvif/device_service",
	}
	for in, want := range good {
		if got, err := nvr.ParseONVIFURL(in); err != nil || got != want {
			t.Errorf("ParseONVIFURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "rtsp://cam/main", "http://", "http://admin:pw@cam.lan", "cam.lan", "ftp://cam"} {
		if _, err := nvr.ParseONVIFURL(bad); nvr.ErrorKind(err) != nvr.KindInvalid {
			t.Errorf("ParseONVIFURL(%q): err %v, want invalid", bad, err)
		}
	}
}

// TestONVIFCredentials: the stored credentials go to the ONVIF service
// only on the main stream's host.
func TestONVIFCredentials(t *testing.T) {
	t.Parallel()
	pw := nvr.NewSecret("pw")
	cases := []struct {
		main, onvif string
		want        bool
	}{
		{"rtsp://192.168.1.20:554/main", "http://192.168.1.20/onvif/device_service", true},
		{"rtsp://CAM.lan./main", "http://cam.lan:8000/onvif/device_service", true},
		{"rtsp://192.168.1.20/main", "http://192.168.1.21/onvif/device_service", false},
		{"rtsp://192.168.1.20/main", "", false},
	}
	for _, c := range cases {
		cam := nvr.Camera{MainURL: c.main, ONVIFURL: c.onvif, Username: "admin", Password: pw}
		u, p := cam.ONVIFCredentials()
		if got := u == "admin" && p.IsSet(); got != c.want {
			t.Errorf("%s + %s: credentials sent %v, want %v", c.main, c.onvif, got, c.want)
		}
	}
}
