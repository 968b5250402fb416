package nvr

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

const maxNameLen = 64

// ValidateDisplayName checks a household or camera name: 1–64 characters,
// valid UTF-8, no control characters. Anything else (markup included) is
// allowed and rendered as text.
func ValidateDisplayName(what, s string) error {
	if strings.TrimSpace(s) == "" {
		return Errorf("validate "+what, KindInvalid, "%s name must not be empty", what)
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxNameLen {
		return Errorf("validate "+what, KindInvalid, "%s name must be at most %d characters of UTF-8", what, maxNameLen)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return Errorf("validate "+what, KindInvalid, "%s name must not contain control characters", what)
		}
	}
	return nil
}

// ValidateUsername checks a login name: 1–64 of a-z A-Z 0-9 . _ @ -,
// starting with a letter or digit. Names that look like IDs are refused so
// "user remove 12" is never ambiguous.
func ValidateUsername(s string) error {
	bad := Errorf("validate username", KindInvalid,
		"username must be 1-64 characters of letters, digits, '.', '_', '@' or '-', starting with a letter or digit, and not all digits")
	if s == "" || len(s) > maxNameLen {
		return bad
	}
	allDigits := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		isAlnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if c < '0' || c > '9' {
			allDigits = false
		}
		if i == 0 && !isAlnum {
			return bad
		}
		if !isAlnum && c != '.' && c != '_' && c != '@' && c != '-' {
			return bad
		}
	}
	if allDigits {
		return bad
	}
	return nil
}

// CameraURL is a validated camera stream address with any credentials
// split out of it.
type CameraURL struct {
	URL      string // rtsp:// or rtsps://, without user info
	Username string
	Password Secret
}

// ParseCameraURL accepts only rtsp:// and rtsps:// URLs with a host. User
// info is moved out of the URL into Username/Password. Error messages never
// repeat the URL, which may hold a password.
func ParseCameraURL(raw string) (CameraURL, error) {
	const op = "parse camera url"
	if len(raw) > 2048 {
		return CameraURL{}, Errorf(op, KindInvalid, "camera URL is too long")
	}
	for _, r := range raw {
		if unicode.IsControl(r) || r == ' ' {
			return CameraURL{}, Errorf(op, KindInvalid, "camera URL must not contain spaces or control characters")
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return CameraURL{}, Errorf(op, KindInvalid, "camera URL is not a valid URL")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "rtsp" && scheme != "rtsps" {
		return CameraURL{}, Errorf(op, KindInvalid, "camera URL must start with rtsp:// or rtsps://")
	}
	if u.User == nil && strings.Contains(raw, "@") {
		// An unescaped '/', '?' or '#' in a password moves it out of the
		// user info and into the stored, displayed URL.
		return CameraURL{}, Errorf(op, KindInvalid, "camera URL has an '@' outside the user:password part; percent-encode '@', '/', '?' and '#' in credentials")
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return CameraURL{}, Errorf(op, KindInvalid, "camera URL must name a host, as in rtsp://192.168.1.20:554/stream")
	}
	if strings.HasSuffix(u.Host, ":") {
		return CameraURL{}, Errorf(op, KindInvalid, "camera URL port must be 1-65535")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return CameraURL{}, Errorf(op, KindInvalid, "camera URL port must be 1-65535")
		}
	}
	if u.Fragment != "" {
		return CameraURL{}, Errorf(op, KindInvalid, "camera URL must not have a #fragment")
	}

	out := CameraURL{}
	if u.User != nil {
		out.Username = u.User.Username()
		pw, _ := u.User.Password()
		out.Password = NewSecret(pw)
		u.User = nil
	}
	u.Scheme = scheme
	out.URL = u.String()
	// net/url does not always re-encode what it decoded (an IPv6 zone with a
	// non-UTF-8 byte, for one); a stored URL must parse again when dialled.
	if _, err := url.Parse(out.URL); err != nil {
		return CameraURL{}, Errorf(op, KindInvalid, "camera URL is not a valid URL")
	}
	if len(out.URL) > 2048 { // escaping can make the stored form longer
		return CameraURL{}, Errorf(op, KindInvalid, "camera URL is too long")
	}
	// The stored URL has no user info, so an '@' left in its path or query
	// (net/url writes %40 back as '@') would read as misplaced credentials
	// when it is parsed again; no camera path needs one.
	if strings.Contains(out.URL, "@") {
		return CameraURL{}, Errorf(op, KindInvalid, "camera URL must not contain '@' outside the user:password part")
	}
	return out, nil
}

// RedactURL returns raw with its user info replaced, for logs and errors.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	// A mistyped URL (rtsp:user:pw@host, an unescaped '?' in the password)
	// parses with the password outside the user info; show nothing then.
	if err != nil || u.Opaque != "" || (u.User == nil && strings.Contains(raw, "@")) {
		return "[unparsable url]"
	}
	if u.User != nil {
		// The user name is half a credential too.
		u.User = url.User("redacted")
	}
	return u.String()
}

// IsLoopbackOrLinkLocal reports whether host is a loopback or link-local
// address or name; used to keep non-admins from pointing cameras at the
// appliance itself.
func IsLoopbackOrLinkLocal(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && localAddr(ip, nil)
}
