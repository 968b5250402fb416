package ui

import (
	"net"
	"net/http"
	"strings"
)

// HostPolicy decides which Host headers the server answers, against DNS
// rebinding: a page on an attacker's domain whose name later resolves to
// the appliance's LAN address is same-origin in the victim's browser, so
// neither CORS nor the CSRF check stops it; only the Host it sends gives it
// away. Names no public DNS can point at pass by default; a public name
// (a reverse proxy, a dynamic-DNS name) must be listed.
type HostPolicy struct {
	// Allowed lists extra host names, exact ("nvr.example.com") or a
	// subdomain wildcard ("*.example.com"); case-insensitive, no port.
	Allowed []string
}

// Allows reports whether a request's Host (with or without port) is one
// the server answers: an IP literal, localhost, a single-label LAN name
// ("nas"), a name under .local, .lan, .home.arpa, .internal or .localhost,
// or one of Allowed.
func (p HostPolicy) Allows(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "" {
		return false
	}
	if net.ParseIP(host) != nil {
		return true
	}
	if host == "localhost" || !strings.Contains(host, ".") {
		return validLabel(host)
	}
	for _, suffix := range []string{".local", ".lan", ".home.arpa", ".internal", ".localhost"} {
		if strings.HasSuffix(host, suffix) {
			return true
		}
	}
	for _, a := range p.Allowed {
		a = strings.ToLower(strings.TrimSuffix(a, "."))
		if a == host || (strings.HasPrefix(a, "*.") && strings.HasSuffix(host, a[1:])) {
			return true
		}
	}
	return false
}

// validLabel accepts a DNS label: letters, digits and hyphens.
func validLabel(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

// withHostCheck answers 421 Misdirected Request to a Host the policy does
// not allow, before any route runs. The host is not echoed.
func withHostCheck(p HostPolicy, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.Allows(r.Host) {
			writeJSON(w, http.StatusMisdirectedRequest, errorBody{
				Error: "this host name is not allowed; add it to allowed_hosts in the configuration"})
			return
		}
		next.ServeHTTP(w, r)
	})
}
