package onvif

import "testing"

// People type a camera's address the way its label or their router shows
// it: without http://. It is taken as http, with the device service path.
func TestParseDeviceURLBareHost(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"192.168.1.20", "http://192.168.1.20/onvif/device_service"},
		{" 127.0.0.1:8000 ", "http://127.0.0.1:8000/onvif/device_service"},
		{"http://cam.lan:8080/onvif/dev", "http://cam.lan:8080/onvif/dev"},
		{"https://cam.lan", "https://cam.lan/onvif/device_service"},
	} {
		u, err := ParseDeviceURL(tc.in)
		if err != nil || u.String() != tc.want {
			t.Errorf("ParseDeviceURL(%q) = %v, %v; want %s", tc.in, u, err, tc.want)
		}
	}
	for _, bad := range []string{"", "rtsp://192.168.1.20", "http://user:pw@cam.lan", "192.168.1.20:notaport"} {
		if _, err := ParseDeviceURL(bad); err == nil {
			t.Errorf("ParseDeviceURL(%q) accepted", bad)
		}
	}
}
