package webrtc_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hearthnvr/hearth/streams/webrtc"
)

// A Chromium-shaped fragment (RFC 8840 section 9 example, host candidates).
const chromeFrag = "a=ice-ufrag:EsAw\r\n" +
	"a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n" +
	"m=video 9 UDP/TLS/RTP/SAVPF 0\r\n" +
	"a=mid:0\r\n" +
	"a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw network-id 1\r\n" +
	"a=candidate:473322822 1 tcp 1518280447 192.0.2.1 9 typ host tcptype active generation 0 ufrag EsAw network-id 1\r\n" +
	"a=end-of-candidates\r\n"

func TestParseTrickle(t *testing.T) {
	f, err := webrtc.ParseTrickle([]byte(chromeFrag))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw network-id 1",
		"473322822 1 tcp 1518280447 192.0.2.1 9 typ host tcptype active generation 0 ufrag EsAw network-id 1",
	}
	if f.Ufrag != "EsAw" || f.Pwd != "P2uYro0UCOQ4zxjKXaWCBui1" || !f.End || !slices.Equal(f.Candidates, want) {
		t.Fatalf("parsed %+v", f)
	}
	// LF line ends and a lone end-of-candidates are fine.
	if f, err := webrtc.ParseTrickle([]byte("a=end-of-candidates\n")); err != nil || !f.End || len(f.Candidates) != 0 {
		t.Fatalf("end only: %+v %v", f, err)
	}

	many := strings.Repeat("a=candidate:1 1 udp 1 192.0.2.1 1 typ host\r\n", webrtc.MaxRemoteCandidates+1)
	for _, tc := range []struct {
		name, body string
		want       error
	}{
		{"empty", "", webrtc.ErrTrickleSyntax},
		{"blank lines", "\r\n\n", webrtc.ErrTrickleSyntax},
		{"not SDP", "hello\r\n", webrtc.ErrTrickleSyntax},
		{"upper-case type", "A=candidate:x\r\n", webrtc.ErrTrickleSyntax},
		{"NUL", "a=mid:0\x00\r\n", webrtc.ErrTrickleSyntax},
		{"bad candidate", "a=candidate:garbage\r\n", webrtc.ErrTrickleSyntax},
		{"short ufrag", "a=ice-ufrag:abc\r\n", webrtc.ErrTrickleSyntax},
		{"ufrag with a space", "a=ice-ufrag:ab cd\r\n", webrtc.ErrTrickleSyntax},
		{"short pwd", "a=ice-pwd:abc\r\n", webrtc.ErrTrickleSyntax},
		{"two ufrags", "a=ice-ufrag:abcd\r\na=ice-ufrag:efgh\r\n", webrtc.ErrTrickleSyntax},
		{"too large", strings.Repeat("a", webrtc.MaxTrickleBytes+1), webrtc.ErrTrickleSyntax},
		{"too many lines", strings.Repeat("a=x\n", 300), webrtc.ErrTrickleSyntax},
		{"too many candidates", many, webrtc.ErrTooManyCandidates},
	} {
		if _, err := webrtc.ParseTrickle([]byte(tc.body)); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

// FuzzTrickle: any body parses or is refused with ErrTrickleSyntax or
// ErrTooManyCandidates; what parses is bounded and re-parses the same.
func FuzzTrickle(f *testing.F) {
	for _, s := range []string{chromeFrag, "", "a=end-of-candidates", "a=candidate:", "a=ice-ufrag:abcd\na=ice-pwd:",
		"m=audio 9 RTP/AVP 0\r\na=mid:0\r\na=candidate:1 1 udp 1 ::1 9 typ host\r\n", "a=candidate:1 1 udp 1 x.local 9 typ host ufrag abcd"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		frag, err := webrtc.ParseTrickle(body)
		if err != nil {
			if !errors.Is(err, webrtc.ErrTrickleSyntax) && !errors.Is(err, webrtc.ErrTooManyCandidates) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if len(frag.Candidates) > webrtc.MaxRemoteCandidates {
			t.Fatalf("%d candidates", len(frag.Candidates))
		}
		var b strings.Builder
		if frag.Ufrag != "" {
			b.WriteString("a=ice-ufrag:" + frag.Ufrag + "\r\n")
		}
		if frag.Pwd != "" {
			b.WriteString("a=ice-pwd:" + frag.Pwd + "\r\n")
		}
		for _, c := range frag.Candidates {
			b.WriteString("a=candidate:" + c + "\r\n")
		}
		if frag.End {
			b.WriteString("a=end-of-candidates\r\n")
		}
		if b.Len() == 0 {
			return // only other lines
		}
		again, err := webrtc.ParseTrickle([]byte(b.String()))
		if err != nil || again.Ufrag != frag.Ufrag || again.Pwd != frag.Pwd || again.End != frag.End || !slices.Equal(again.Candidates, frag.Candidates) {
			t.Fatalf("re-parse of %q: %+v %v, want %+v", b.String(), again, err, frag)
		}
	})
}
