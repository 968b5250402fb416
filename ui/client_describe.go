package ui

import (
	"net"
	"strings"
)

// describeClient names a session's client for a person: the browser and
// system read from its user agent ("Firefox on Windows"), and the address
// it signed in from without the port. An agent it does not know is shown
// shortened rather than as a line of product tokens.
func describeClient(addr, userAgent string) string {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	what := agentName(userAgent)
	switch {
	case what == "":
		return host
	case host == "":
		return what
	}
	return what + " · " + host
}

// agentName is the browser and system of a user agent, "" for none.
func agentName(ua string) string {
	ua = strings.TrimSpace(ua)
	if ua == "" {
		return ""
	}
	var browser string
	for _, b := range []struct{ token, name string }{
		// Order matters: Edge and Opera also say Chrome, Chrome also says
		// Safari, and every browser says Mozilla.
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"HeadlessChrome/", "Chrome (headless)"},
		{"Chrome/", "Chrome"}, {"CriOS/", "Chrome"}, {"FxiOS/", "Firefox"}, {"Safari/", "Safari"},
		{"curl/", "curl"}, {"Wget/", "Wget"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	var system string
	for _, s := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"CrOS", "ChromeOS"},
		{"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, s.token) {
			system = s.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return "a browser on " + system
	}
	if r := []rune(ua); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return ua
}
