package nvr_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/hearthnvr/hearth/nvr"
)

// The canary password, percent-encoded as a user would type it into a URL,
// and as it decodes.
const (
	canaryRaw     = "CANARY-xyz-%21"
	canaryDecoded = "CANARY-xyz-!"
)

// leaksCanary reports whether s shows any recognisable part of the canary.
func leaksCanary(s string) bool {
	return strings.Contains(s, canaryRaw) || strings.Contains(s, canaryDecoded) ||
		strings.Contains(s, "CANARY") || strings.Contains(s, "xyz-")
}

func TestParseCameraURLAccepts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		raw, url, user, password string
	}{
		{"rtsp://192.168.1.20:554/stream", "rtsp://192.168.1.20:554/stream", "", ""},
		{"rtsps://cam.local/live", "rtsps://cam.local/live", "", ""},
		{"RTSP://cam.local/live", "rtsp://cam.local/live", "", ""},
		{"RtSpS://cam.local:322/live", "rtsps://cam.local:322/live", "", ""},
		{"rtsp://cam", "rtsp://cam", "", ""},
		{"rtsp://[fe80::1]:554/s", "rtsp://[fe80::1]:554/s", "", ""},
		{"rtsp://cam:1/s", "rtsp://cam:1/s", "", ""},
		{"rtsp://cam:65535/s", "rtsp://cam:65535/s", "", ""},
		{"rtsp://cam/Streaming/Channels/101?transportmode=unicast&profile=Profile_1", "rtsp://cam/Streaming/Channels/101?transportmode=unicast&profile=Profile_1", "", ""},
		{"rtsp://admin:secret@cam:554/s", "rtsp://cam:554/s", "admin", "secret"},
		{"rtsp://admin@cam/s", "rtsp://cam/s", "admin", ""},
		{"rtsp://admin:@cam/s", "rtsp://cam/s", "admin", ""},
		{"rtsp://admin:" + canaryRaw + "@cam/s", "rtsp://cam/s", "admin", canaryDecoded},
		{"rtsp://ad%40min:p%3Aw%2Fd@cam/s", "rtsp://cam/s", "ad@min", "p:w/d"},
		{"RTSPS://u:p@10.0.0.1/x", "rtsps://10.0.0.1/x", "u", "p"},
	}
	for _, tc := range cases {
		t.Run(tc.raw, func(t *testing.T) {
			t.Parallel()
			got, err := nvr.ParseCameraURL(tc.raw)
			if err != nil {
				t.Fatalf("ParseCameraURL = %v", err)
			}
			if got.URL != tc.url || got.Username != tc.user || got.Password.Reveal() != tc.password {
				t.Fatalf("got URL %q user %q password %q; want %q %q %q", got.URL, got.Username, got.Password.Reveal(), tc.url, tc.user, tc.password)
			}
			if got.Password.IsSet() != (tc.password != "") {
				t.Fatalf("Password.IsSet = %v", got.Password.IsSet())
			}
			u, err := url.Parse(got.URL)
			if err != nil || u.User != nil || strings.Contains(got.URL, "@") {
				t.Fatalf("result %q still has user info (%v)", got.URL, err)
			}
		})
	}
}

func TestParseCameraURLRefuses(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, raw string }{
		{"empty", ""},
		{"http", "http://cam/stream"},
		{"https", "https://cam/stream"},
		{"file", "file:///etc/passwd"},
		{"ftp", "ftp://cam/x"},
		{"javascript", "javascript:alert(1)"},
		{"no scheme", "cam.local:554/stream"},
		{"scheme-relative", "//cam/stream"},
		{"rtspu", "rtspu://cam/x"},
		{"rtsp with opaque", "rtsp:cam/stream"},
		{"empty host", "rtsp:///stream"},
		{"scheme only", "rtsp://"},
		{"port only", "rtsp://:554/stream"},
		{"user but no host", "rtsp://admin:pw@/stream"},
		{"port zero", "rtsp://cam:0/s"},
		{"port too big", "rtsp://cam:65536/s"},
		{"port huge", "rtsp://cam:99999999999999999999/s"},
		{"port not numeric", "rtsp://cam:abc/s"},
		{"port negative", "rtsp://cam:-1/s"},
		{"fragment", "rtsp://cam/s#frag"},
		{"space in path", "rtsp://cam/my stream"},
		{"leading space", " rtsp://cam/s"},
		{"trailing space", "rtsp://cam/s "},
		{"newline", "rtsp://cam/s\nX-Injected: 1"},
		{"carriage return", "rtsp://cam/s\r"},
		{"tab", "rtsp://cam/\ts"},
		{"nul", "rtsp://cam/s\x00"},
		{"delete", "rtsp://cam/s\x7f"},
		{"C1 control (NEL)", "rtsp://cam/s\u0085"},
		{"bad escape", "rtsp://cam/%zz"},
		{"bad host escape", "rtsp://c%zzam/s"},
		{"too long", "rtsp://cam/" + strings.Repeat("a", 2048)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := nvr.ParseCameraURL(tc.raw)
			if err == nil {
				t.Fatalf("ParseCameraURL(%q) = %+v, want an error", tc.raw, got)
			}
			if nvr.ErrorKind(err) != nvr.KindInvalid {
				t.Fatalf("kind = %v, want invalid", nvr.ErrorKind(err))
			}
			if got != (nvr.CameraURL{}) {
				t.Fatalf("non-zero result %+v with an error", got)
			}
		})
	}
}

// TestParseCameraURLErrorsNeverShowPassword puts the canary password into
// every kind of refused URL.
func TestParseCameraURLErrorsNeverShowPassword(t *testing.T) {
	t.Parallel()
	cred := "USERCANARY:" + canaryRaw + "@"
	cases := []string{
		"http://" + cred + "cam/s",
		"file://" + cred + "cam/etc/passwd",
		"rtsp://" + cred + "/s",
		"rtsp://" + cred + ":554/s",
		"rtsp://" + cred + "cam:0/s",
		"rtsp://" + cred + "cam:70000/s",
		"rtsp://" + cred + "cam:x/s",
		"rtsp://" + cred + "cam/s#frag",
		"rtsp://" + cred + "cam/s x",
		"rtsp://" + cred + "cam/s\n",
		"rtsp://" + cred + "cam/%zz",
		"rtsp://USERCANARY:CANARY-xyz-%zz@cam/s",
		"rtsp://USERCANARY:CANARY xyz@cam/s",
		"rtsp:" + cred + "cam/s",
		"rtsp://" + cred + "cam/" + strings.Repeat("a", 2048),
		"ftp://" + cred + "cam",
	}
	for _, raw := range cases {
		t.Run(fmt.Sprintf("%.40q", raw), func(t *testing.T) {
			t.Parallel()
			_, err := nvr.ParseCameraURL(raw)
			if err == nil {
				t.Fatalf("ParseCameraURL(%q) accepted", raw)
			}
			for _, s := range []string{err.Error(), nvr.ErrorMessage(err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
				if leaksCanary(s) {
					t.Fatalf("error shows the credential: %q", s)
				}
			}
		})
	}
}

// TestParseCameraURLKeepsCredentialsOutOfURL: a password with an unescaped
// '/', '?' or '#' is not user info to url.Parse; the URL must then be
// refused rather than stored (and shown) with the password inside it.
func TestParseCameraURLKeepsCredentialsOutOfURL(t *testing.T) {
	t.Parallel()
	cases := []string{
		"rtsp://admin:1234?CANARY@cam.local/s",
		"rtsp://admin:1234/CANARY@cam.local/s",
		"rtsp://admin:1234/?CANARY@cam.local",
	}
	for _, raw := range cases {
		t.Run(raw, func(t *testing.T) {
			t.Parallel()
			got, err := nvr.ParseCameraURL(raw)
			if err == nil && strings.Contains(got.URL, "CANARY") {
				t.Fatalf("ParseCameraURL(%q) = URL %q: the password is stored in the URL", raw, got.URL)
			}
			if err != nil && leaksCanary(err.Error()) {
				t.Fatalf("error shows the credential: %v", err)
			}
		})
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		raw, want string
	}{
		{"rtsp://cam/s", "rtsp://cam/s"},
		{"rtsp://admin:" + canaryRaw + "@cam:554/s", "rtsp://redacted@cam:554/s"},
		{"rtsp://USERCANARY@cam/s", "rtsp://redacted@cam/s"},
		{"rtsp://USERCANARY:@cam/s", "rtsp://redacted@cam/s"},
		{"http://u:" + canaryRaw + "@cam/", "http://redacted@cam/"},
		{"rtsp://u:" + canaryRaw + "@cam/%zz", "[unparsable url]"},
		{"rtsp://u:CANARY xyz@cam/", "[unparsable url]"},
		{"", ""},
	}
	for _, tc := range cases {
		t.Run(tc.raw, func(t *testing.T) {
			t.Parallel()
			if got := nvr.RedactURL(tc.raw); got != tc.want {
				t.Fatalf("RedactURL = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRedactURLNeverShowsPassword: RedactURL exists for logging URLs that
// may be wrong, so it must hide a password in a mistyped URL too.
func TestRedactURLNeverShowsPassword(t *testing.T) {
	t.Parallel()
	cases := []string{
		"rtsp:admin:" + canaryRaw + "@cam/s",  // "//" forgotten: url.Parse sees an opaque URL
		"rtsp:/admin:" + canaryRaw + "@cam/s", // one slash: a path
		"rtsp://admin:1234?" + canaryRaw + "@cam/s",
		"rtsp://admin:1234/" + canaryRaw + "@cam/s",
		"rtsp://admin:1234#" + canaryRaw + "@cam/s",
	}
	for _, raw := range cases {
		t.Run(raw, func(t *testing.T) {
			t.Parallel()
			if got := nvr.RedactURL(raw); leaksCanary(got) {
				t.Fatalf("RedactURL(%q) = %q shows the password", raw, got)
			}
		})
	}
}

func TestValidateUsername(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		ok   bool
	}{
		{"alice", true},
		{"Alice.Smith", true},
		{"a", true},
		{"7", false},
		{"123", false},
		{"0", false},
		{"007bond", true},
		{"bond007", true},
		{"me@example.com", true},
		{"first_last-2", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"", false},
		{".hidden", false},
		{"_x", false},
		{"@x", false},
		{"-x", false},
		{"a b", false},
		{" alice", false},
		{"alice ", false},
		{"al/ice", false},
		{"al\\ice", false},
		{"alice\n", false},
		{"al\x00ice", false},
		{"élodie", false},
		{"аlice", false}, // Cyrillic а
		{"<script>", false},
		{"a:b", false},
		{"12.5", true},
		{"1-2", true},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%q", tc.name), func(t *testing.T) {
			t.Parallel()
			err := nvr.ValidateUsername(tc.name)
			if (err == nil) != tc.ok {
				t.Fatalf("ValidateUsername(%q) = %v, want ok=%v", tc.name, err, tc.ok)
			}
			if err != nil && nvr.ErrorKind(err) != nvr.KindInvalid {
				t.Fatalf("kind = %v, want invalid", nvr.ErrorKind(err))
			}
		})
	}
}

func TestValidateDisplayName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		s    string
		ok   bool
	}{
		{"plain", "Front door", true},
		{"markup is text", "<b>porch</b> & \"yard\"", true},
		{"emoji", "🏠 home", true},
		{"64 multibyte runes", strings.Repeat("é", 64), true},
		{"65 runes", strings.Repeat("é", 65), false},
		{"64 ascii", strings.Repeat("a", 64), true},
		{"65 ascii", strings.Repeat("a", 65), false},
		{"empty", "", false},
		{"spaces", "   ", false},
		{"nbsp only", "\u00a0", false},
		{"newline", "front\ndoor", false},
		{"tab", "front\tdoor", false},
		{"nul", "front\x00", false},
		{"delete", "front\x7f", false},
		{"C1 control", "front\u0085", false},
		{"invalid utf-8", "front\xff", false},
		{"leading space kept", " porch", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := nvr.ValidateDisplayName("camera", tc.s)
			if (err == nil) != tc.ok {
				t.Fatalf("ValidateDisplayName(%q) = %v, want ok=%v", tc.s, err, tc.ok)
			}
			if err != nil {
				if nvr.ErrorKind(err) != nvr.KindInvalid || !strings.Contains(nvr.ErrorMessage(err), "camera") {
					t.Fatalf("err = %v (kind %v), want an invalid error naming the camera", err, nvr.ErrorKind(err))
				}
			}
		})
	}
}

func TestParseCameraID(t *testing.T) {
	t.Parallel()
	cases := []struct {
		s  string
		ok bool
	}{
		{"0123456789abcdef0123456789abcdef", true},
		{"00000000000000000000000000000000", true},
		{"ffffffffffffffffffffffffffffffff", true},
		{"", false},
		{"0123456789ABCDEF0123456789ABCDEF", false},
		{"0123456789abcdef0123456789abcdeF", false},
		{"0123456789abcdef0123456789abcde", false},
		{"0123456789abcdef0123456789abcdef0", false},
		{"0123456789abcdef0123456789abcdeg", false},
		{"0123456789abcdef-123456789abcdef", false},
		{" 123456789abcdef0123456789abcdef", false},
		{"0x23456789abcdef0123456789abcdef", false},
		{"0123456789abcdef0123456789abcd\u00e9", false}, // 32 bytes, 31 runes
		{"0", false},
		{"-1", false},
		{"../../etc/passwd", false},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%q", tc.s), func(t *testing.T) {
			t.Parallel()
			id, err := nvr.ParseCameraID(tc.s)
			if !tc.ok {
				wantNotFound(t, err)
				if id != "" {
					t.Fatalf("id %q with an error", id)
				}
				return
			}
			if err != nil || string(id) != tc.s {
				t.Fatalf("ParseCameraID = %q, %v", id, err)
			}
		})
	}
}

func TestNewCameraID(t *testing.T) {
	t.Parallel()
	seen := map[nvr.CameraID]bool{}
	for range 1000 {
		id := nvr.NewCameraID()
		if got, err := nvr.ParseCameraID(string(id)); err != nil || got != id {
			t.Fatalf("NewCameraID %q does not parse: %v", id, err)
		}
		if seen[id] {
			t.Fatalf("duplicate camera ID %q", id)
		}
		seen[id] = true
	}
}

func TestParseInt64ID(t *testing.T) {
	t.Parallel()
	cases := []struct {
		s    string
		want int64
		ok   bool
	}{
		{"1", 1, true},
		{"42", 42, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"9223372036854775808", 0, false},
		{"99999999999999999999", 0, false},
		{"18446744073709551616", 0, false},
		{"", 0, false},
		{"0", 0, false},
		{"00", 0, false},
		{"01", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"1e3", 0, false},
		{"0x10", 0, false},
		{"1_000", 0, false},
		{"１", 0, false}, // full-width digit
		{"abc", 0, false},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%q", tc.s), func(t *testing.T) {
			t.Parallel()
			got, err := nvr.ParseInt64ID(tc.s)
			if !tc.ok {
				wantNotFound(t, err)
				if got != 0 {
					t.Fatalf("value %d with an error", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseInt64ID = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

func TestParseEnums(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"owner", "member", "viewer"} {
		if r, err := nvr.ParseRole(s); err != nil || string(r) != s {
			t.Errorf("ParseRole(%q) = %q, %v", s, r, err)
		}
	}
	for _, s := range []string{"view", "trigger", "all"} {
		if sc, err := nvr.ParseTokenScope(s); err != nil || string(sc) != s {
			t.Errorf("ParseTokenScope(%q) = %q, %v", s, sc, err)
		}
	}
	for s, want := range map[string]nvr.Transport{"": nvr.TransportTCP, "tcp": nvr.TransportTCP, "udp": nvr.TransportUDP, "auto": nvr.TransportAuto} {
		if tr, err := nvr.ParseTransport(s); err != nil || tr != want {
			t.Errorf("ParseTransport(%q) = %q, %v", s, tr, err)
		}
	}
	for _, s := range []string{"", "Owner", "admin", " owner"} {
		if _, err := nvr.ParseRole(s); nvr.ErrorKind(err) != nvr.KindInvalid {
			t.Errorf("ParseRole(%q) = %v, want invalid", s, err)
		}
	}
	for _, s := range []string{"", "ALL", "write", "view,trigger"} {
		if _, err := nvr.ParseTokenScope(s); nvr.ErrorKind(err) != nvr.KindInvalid {
			t.Errorf("ParseTokenScope(%q) = %v, want invalid", s, err)
		}
	}
	for _, s := range []string{"TCP", "http", "udp "} {
		if _, err := nvr.ParseTransport(s); nvr.ErrorKind(err) != nvr.KindInvalid {
			t.Errorf("ParseTransport(%q) = %v, want invalid", s, err)
		}
	}
}

func TestIsLoopbackOrLinkLocal(t *testing.T) {
	t.Parallel()
	cases := []struct {
		host string
		want bool
	}{
		{"localhost", true},
		{"LOCALHOST", true},
		{"cam.localhost", true},
		{"127.0.0.1", true},
		{"127.1.2.3", true},
		{"::1", true},
		{"[::1]", true},
		{"0.0.0.0", true},
		{"::", true},
		{"169.254.1.1", true},
		{"fe80::1", true},
		{"224.0.0.1", true},
		{"::ffff:127.0.0.1", true},
		{"192.168.1.20", false},
		{"10.0.0.1", false},
		{"cam.local", false},
		{"example.com", false},
		{"2001:db8::1", false},
	}
	for _, tc := range cases {
		if got := nvr.IsLoopbackOrLinkLocal(tc.host); got != tc.want {
			t.Errorf("IsLoopbackOrLinkLocal(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
}

const secretValue = "hunter2-SECRET-VALUE"

// secretHolders returns the secret alone, by pointer, inside a Camera and
// inside an ad hoc struct.
func secretHolders() map[string]any {
	s := nvr.NewSecret(secretValue)
	return map[string]any{
		"secret":  s,
		"*secret": &s,
		"camera":  nvr.Camera{ID: testCamID, Name: "porch", Username: "admin", Password: s},
		"holder": struct {
			Password nvr.Secret
			Ptr      *nvr.Secret
		}{s, &s},
	}
}

func checkNoSecret(t *testing.T, what, out string) {
	t.Helper()
	if strings.Contains(out, secretValue) || strings.Contains(out, "hunter2") {
		t.Errorf("%s shows the secret: %.90s", what, out)
	}
}

func TestSecretNeverShowsItsValue(t *testing.T) {
	t.Parallel()
	s := nvr.NewSecret(secretValue)
	if s.Reveal() != secretValue || !s.IsSet() {
		t.Fatal("Reveal/IsSet do not return the value")
	}
	if nvr.NewSecret("").IsSet() || (nvr.Secret{}).IsSet() {
		t.Fatal("an empty secret reports IsSet")
	}
	checked := 0
	for name, v := range secretHolders() {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%10.3v", "%-v"} {
			checkNoSecret(t, "Sprintf "+verb+" "+name, fmt.Sprintf(verb, v))
			checked++
		}
		checkNoSecret(t, "Sprint "+name, fmt.Sprint(v))
		checkNoSecret(t, "Sprintln "+name, fmt.Sprintln(v))
		checkNoSecret(t, "Errorf "+name, fmt.Errorf("dial %v: %w", v, errors.New("refused")).Error())
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal(%s) = %v", name, err)
		}
		checkNoSecret(t, "json "+name, string(j))
		checked += 4
	}
	type xmlHolder struct{ P nvr.Secret }
	x, err := xml.Marshal(xmlHolder{s})
	if err != nil {
		t.Fatalf("xml.Marshal = %v", err)
	}
	checkNoSecret(t, "xml", string(x))
	for _, h := range []struct {
		name string
		new  func(*bytes.Buffer) slog.Handler
	}{
		{"text", func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }},
		{"json", func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }},
	} {
		var buf bytes.Buffer
		log := slog.New(h.new(&buf))
		var args []any
		for name, v := range secretHolders() {
			args = append(args, name, v)
		}
		log.Info("camera", args...)
		log.Info("typed", slog.Any("any", s), slog.Group("g", "pw", s))
		log.With("password", s).Info("with")
		log.Info(fmt.Sprint(s))
		checkNoSecret(t, "slog "+h.name, buf.String())
		if !strings.Contains(buf.String(), "[redacted]") {
			t.Errorf("slog %s output has no redaction marker: %s", h.name, buf.String())
		}
		checked++
	}
	t.Logf("checked %d formatted forms", checked)
}

// TestSecretAnyFmtVerb: a verb that is not a string verb (%d, %t, …) makes
// fmt skip String() and print the struct's fields.
func TestSecretAnyFmtVerb(t *testing.T) {
	t.Parallel()
	for name, v := range secretHolders() {
		for _, verb := range []string{"%d", "%t", "%o", "%e", "%b", "%c", "%U", "%08.3f"} {
			checkNoSecret(t, "Sprintf "+verb+" "+name, fmt.Sprintf(verb, v))
		}
	}
}

// TestSecretReflectionPaths: fmt prints %p and other bad verbs on a struct
// by reflection without calling any method of the fields (not even Format),
// so only a value that reflection cannot read as text stays hidden.
func TestSecretReflectionPaths(t *testing.T) {
	t.Parallel()
	for name, v := range secretHolders() {
		checkNoSecret(t, "Sprintf %p "+name, fmt.Sprintf("%p", v))
	}
}

// FuzzParseCameraURL: ParseCameraURL never panics; an accepted URL is rtsp
// or rtsps with a host and no user info; an error never repeats the
// password. Seeds carry the canary so mutations keep one around.
func FuzzParseCameraURL(f *testing.F) {
	for _, s := range []string{
		"rtsp://cam/s",
		"rtsp://admin:" + canaryRaw + "@cam:554/s",
		"RTSPS://admin:" + canaryRaw + "@[fe80::1%25eth0]:322/s?x=1",
		"http://admin:" + canaryRaw + "@cam/",
		"rtsp://admin:" + canaryRaw + "@cam:0/s",
		"rtsp://admin:" + canaryRaw + "@cam/s#f",
		"rtsp://admin:" + canaryRaw + "@/s",
		"rtsp:admin:" + canaryRaw + "@cam/s",
		"rtsp://admin:" + canaryRaw + "@cam/s x",
		"rtsp://admin:" + canaryRaw + "@cam/%zz",
		"rtsp://admin:CANARY\n@cam/",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := nvr.ParseCameraURL(raw)
		var pw string
		if u, perr := url.Parse(raw); perr == nil && u.User != nil {
			pw, _ = u.User.Password()
		}
		if err != nil {
			if got != (nvr.CameraURL{}) {
				t.Fatalf("non-zero result with error %v", err)
			}
			msg := err.Error() + " " + nvr.ErrorMessage(err)
			if strings.Contains(msg, "CANARY") {
				t.Fatalf("error %q repeats part of the input %q", msg, raw)
			}
			if strings.Contains(pw, "CANARY") && strings.Contains(msg, pw) {
				t.Fatalf("error %q repeats the password", msg)
			}
			return
		}
		u, perr := url.Parse(got.URL)
		if perr != nil {
			t.Fatalf("accepted URL %q does not parse: %v", got.URL, perr)
		}
		if u.User != nil {
			t.Fatalf("accepted URL %q has user info", got.URL)
		}
		if u.Scheme != "rtsp" && u.Scheme != "rtsps" {
			t.Fatalf("accepted URL %q has scheme %q", got.URL, u.Scheme)
		}
		if u.Hostname() == "" || u.Fragment != "" || u.Opaque != "" {
			t.Fatalf("accepted URL %q: host %q fragment %q opaque %q", got.URL, u.Hostname(), u.Fragment, u.Opaque)
		}
		if got.Password.Reveal() != pw {
			t.Fatalf("password %q, want %q from url.Parse", got.Password.Reveal(), pw)
		}
		again, err := nvr.ParseCameraURL(got.URL)
		if err != nil || again.URL != got.URL || again.Username != "" {
			t.Fatalf("re-parsing %q = %+v, %v; want it unchanged", got.URL, again, err)
		}
	})
}
