package ui

import "testing"

func TestDescribeClient(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ addr, ua, want string }{
		{"192.168.1.20:51234", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge on Windows · 192.168.1.20"},
		{"192.168.1.21:1", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Linux · 192.168.1.21"},
		{"[::1]:8080", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "Safari on iPhone · ::1"},
		{"10.0.0.5:2", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome on Android · 10.0.0.5"},
		{"10.0.0.6:3", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Safari on macOS · 10.0.0.6"},
		{"127.0.0.1:4", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", "Chrome (headless) on Linux · 127.0.0.1"},
		{"127.0.0.1:5", "curl/8.11.0", "curl · 127.0.0.1"},
		{"127.0.0.1:6", "", "127.0.0.1"},
		{"", "Go-http-client/1.1", "Go-http-client/1.1"},
		{"h", "SomeVeryLongCustomAgentWithoutAnyKnownTokensAtAll/1.0", "SomeVeryLongCustomAgentWithoutAnyKnownTo… · h"},
	} {
		if got := describeClient(c.addr, c.ua); got != c.want {
			t.Errorf("describeClient(%q, %q) = %q, want %q", c.addr, c.ua, got, c.want)
		}
	}
}
