package nvr

import (
	"net"
	"net/url"
	"strings"
)

// Camera credentials belong to the host they were entered for. A camera
// stores one user name and password, entered for the scheme, host and
// port of its main stream URL; the directory clears them when the main
// URL moves to another host without new ones (EditCamera), and every
// connection, main, sub or test, sends them only to a URL on that same
// host (Camera.StreamCredentials). Otherwise whoever may edit a camera's
// URL could read its password: point the URL at a host of theirs that
// answers 401, and the client answers with the stored password (Basic) or
// a hash of it (Digest).

// Default RTSP ports, which a URL without a port means.
const (
	defaultRTSPPort  = "554"
	defaultRTSPSPort = "322"
)

// CredentialHost returns the scheme, host and port that credentials for
// a camera URL are bound to, as "rtsp://host:554": scheme and host name in
// lower case, a trailing dot removed, the default port written out (554
// for rtsp, 322 for rtsps) and an IP address in its canonical form (127.1
// is 127.0.0.1, ::ffff:a.b.c.d is a.b.c.d). rtsp and rtsps are different
// hosts: a password entered for TLS is never sent in the clear. ok is
// false for a URL that does not parse or names no host.
func CredentialHost(raw string) (host string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.Hostname() == "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	switch {
	case port != "":
	case scheme == "rtsp":
		port = defaultRTSPPort
	case scheme == "rtsps":
		port = defaultRTSPSPort
	default:
		return "", false
	}
	name := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if a, ok := parseHostAddr(name); ok {
		name = a.Unmap().String()
	}
	return scheme + "://" + net.JoinHostPort(name, port), true
}

// SameCredentialHost reports whether two camera URLs share scheme, host
// and port (see CredentialHost), so credentials for one may go to the
// other. An unparsable URL shares nothing.
func SameCredentialHost(a, b string) bool {
	ha, ok := CredentialHost(a)
	if !ok {
		return false
	}
	hb, ok := CredentialHost(b)
	return ok && ha == hb
}

// StreamCredentials returns the credentials to send to streamURL: the
// camera's stored ones when streamURL is on the host they were entered
// for (the main stream's), nothing otherwise.
func (c Camera) StreamCredentials(streamURL string) (user string, password Secret) {
	if !SameCredentialHost(streamURL, c.MainURL) {
		return "", Secret{}
	}
	return c.Username, c.Password
}

// hasCredentials reports whether a camera has a user name or password.
func (c Camera) hasCredentials() bool { return c.Username != "" || c.Password.IsSet() }

// Notices about credentials after a camera was added or edited; the API,
// the settings page and the CLI show them.
const (
	NoticeCredentialsCleared = "the main stream URL now names another host, so the stored camera " +
		"password was cleared and will not be sent there; enter the camera's user name and password for the new host"
	NoticeSubOtherHost = "the sub stream URL names another host than the main stream, so the stored " +
		"camera credentials are not sent to it"
)

// CredentialNotices says what happened to a camera's credentials when it
// changed from old to cur (old is the zero Camera for a new one): cleared
// because the main stream moved to another host without new ones, or
// withheld from a sub stream on another host. Empty when neither.
func CredentialNotices(old, cur Camera) []string {
	var out []string
	if old.hasCredentials() && !cur.Password.IsSet() && !SameCredentialHost(old.MainURL, cur.MainURL) {
		out = append(out, NoticeCredentialsCleared)
	}
	withheld := func(c Camera) bool {
		return c.hasCredentials() && c.SubURL != "" && !SameCredentialHost(c.SubURL, c.MainURL)
	}
	if withheld(cur) && (!withheld(old) || old.SubURL != cur.SubURL || old.MainURL != cur.MainURL) {
		out = append(out, NoticeSubOtherHost)
	}
	return out
}
