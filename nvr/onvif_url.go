package nvr

import (
	"net/url"
	"strings"
)

// ParseONVIFURL checks a camera's ONVIF device service address: http or
// https, a host, no user information (credentials are the camera's), no
// query; a bare host gets the usual /onvif/device_service.
func ParseONVIFURL(raw string) (string, error) {
	const op = "parse onvif url"
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.Hostname() == "" || len(raw) > 512 {
		return "", Errorf(op, KindInvalid, "the ONVIF address must look like http://192.168.1.20[:port]")
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return "", Errorf(op, KindInvalid, "the ONVIF address must be http:// or https://")
	}
	if u.User != nil {
		return "", Errorf(op, KindInvalid, "give the camera's user name and password apart, not in the ONVIF address")
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/onvif/device_service"
	}
	u.Scheme, u.RawQuery, u.Fragment = strings.ToLower(u.Scheme), "", ""
	return u.String(), nil
}

// hostName is a URL's host name in canonical form ("" if none).
func hostName(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return ""
	}
	name := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if a, ok := parseHostAddr(name); ok {
		name = a.Unmap().String()
	}
	return name
}

// onvifOnMainHost reports whether an ONVIF address names the main
// stream's host: one device, whose services listen on several ports.
func onvifOnMainHost(onvifURL, mainURL string) bool {
	h := hostName(onvifURL)
	return h != "" && h == hostName(mainURL)
}

// errONVIFHost refuses an ONVIF address on another host than the main
// stream's: the camera's credentials were entered for that device.
var errONVIFHost = Errorf("camera onvif", KindInvalid, "the ONVIF address must be on the main stream's host")

// ONVIFCredentials returns the credentials to send to the camera's ONVIF
// service: the stored ones, since the directory keeps ONVIFURL on the
// main stream's host (a main URL moved to another host clears both the
// credentials and the ONVIF address); nothing when the two disagree
// anyway.
func (c Camera) ONVIFCredentials() (user string, password Secret) {
	if c.ONVIFURL == "" || !onvifOnMainHost(c.ONVIFURL, c.MainURL) {
		return "", Secret{}
	}
	return c.Username, c.Password
}
