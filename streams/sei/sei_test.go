package sei

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		id    string
		frame uint64
	}{
		{"hex id", "0123456789abcdef0123456789abcdef", 42},
		{"empty id", "", 0},
		{"zero frame needs escaping", "a", 0},
		{"max frame", "cam", ^uint64(0)},
		{"zero bytes in id", "\x00\x00\x00\x01", 1 << 40},
		{"max length", strings.Repeat("z", MaxIDLen), 7},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n, err := Marshal(tc.id, tc.frame)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(n, []byte{0, 0, 0}) || bytes.Contains(n, []byte{0, 0, 1}) {
				t.Fatalf("NAL unit contains a start code pattern: % x", n)
			}
			want := Stamp{CameraID: tc.id, Frame: tc.frame}
			if got, ok := Parse(n); !ok || got != want {
				t.Fatalf("Parse = %+v, %v; want %+v", got, ok, want)
			}
			h, err := MarshalH265(tc.id, tc.frame)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := ParseH265(h); !ok || got != want {
				t.Fatalf("ParseH265 = %+v, %v; want %+v", got, ok, want)
			}
			if _, ok := Parse(h); ok {
				t.Fatal("Parse accepted an H.265 NAL unit")
			}
		})
	}
}

func TestMarshalRejectsLongID(t *testing.T) {
	t.Parallel()
	if _, err := Marshal(strings.Repeat("x", MaxIDLen+1), 1); !errors.Is(err, ErrIDTooLong) {
		t.Fatalf("err = %v, want ErrIDTooLong", err)
	}
}

// TestIgnoresOtherPayloads checks that a stamp is found after unrelated SEI
// messages and that foreign user data is skipped.
func TestIgnoresOtherPayloads(t *testing.T) {
	t.Parallel()
	stamp, err := Marshal("cam1", 9)
	if err != nil {
		t.Fatal(err)
	}
	body := stamp[1 : len(stamp)-1] // the sei_message without header and trailing bits
	otherUUID := append([]byte{5, 20}, bytes.Repeat([]byte{0xab}, 20)...)
	recoveryPoint := []byte{6, 1, 0x80}
	cases := []struct {
		name string
		nalu []byte
		want bool
	}{
		{"stamp after recovery point", cat([]byte{6}, recoveryPoint, body, []byte{0x80}), true},
		{"stamp after foreign user data", cat([]byte{6}, otherUUID, body, []byte{0x80}), true},
		{"only foreign user data", cat([]byte{6}, otherUUID, []byte{0x80}), false},
		{"not SEI", cat([]byte{0x65}, body), false},
		{"forbidden bit", cat([]byte{0x86}, body, []byte{0x80}), false},
		{"truncated", stamp[:len(stamp)-3], false},
		{"empty", nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Parse(tc.nalu)
			if ok != tc.want {
				t.Fatalf("Parse ok = %v (%+v), want %v", ok, got, tc.want)
			}
			if ok && (got != Stamp{CameraID: "cam1", Frame: 9}) {
				t.Fatalf("Parse = %+v", got)
			}
		})
	}
}

func TestFind(t *testing.T) {
	t.Parallel()
	n, err := Marshal("cam2", 3)
	if err != nil {
		t.Fatal(err)
	}
	au := [][]byte{{0x09, 0xf0}, n, {0x65, 0x88, 0x84}}
	if got, ok := Find(au); !ok || got.CameraID != "cam2" || got.Frame != 3 {
		t.Fatalf("Find = %+v, %v", got, ok)
	}
	if _, ok := Find(au[2:]); ok {
		t.Fatal("Find reported a stamp in an access unit without one")
	}
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func FuzzParse(f *testing.F) {
	for _, id := range []string{"", "a", "0123456789abcdef0123456789abcdef", strings.Repeat("\x00", MaxIDLen)} {
		n, err := Marshal(id, 1<<33)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(n)
		f.Add(n[:len(n)/2])
		h, err := MarshalH265(id, 5)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(h)
	}
	f.Add([]byte{6, 0xff, 0xff, 0xff})
	f.Add([]byte{6, 5, 0xff})
	f.Add([]byte{6, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		if s, ok := Parse(b); ok {
			// Anything accepted must survive a round trip unchanged.
			n, err := Marshal(s.CameraID, s.Frame)
			if err != nil {
				t.Fatalf("accepted a stamp that cannot be marshalled: %v", err)
			}
			if again, ok := Parse(n); !ok || again != s {
				t.Fatalf("round trip of %+v gave %+v, %v", s, again, ok)
			}
		}
		_, _ = ParseH265(b)
	})
}
