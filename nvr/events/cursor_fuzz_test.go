package events

import (
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// FuzzEventCursor: the events listing's opaque cursor comes from the
// client. Any string parses or is a KindInvalid error; a parsed cursor
// formats back to a cursor that parses to the same position.
func FuzzEventCursor(f *testing.F) {
	for _, s := range []string{"", "e1.", "e1.MTIzLjQ1", "e1.LTEuMQ", "e1.MC4w", "e1.OTIyMzM3MjAzNjg1NDc3NTgwOC4x",
		"e1.=\"", "e1." + "QUFB" + "QUFB", "x1.MTIzLjQ1", "e1.MTIzLjQ1\x00", "e1.MTIz"} {
		f.Add(s) // "e1." cursors held a row number: all refused now
	}
	id := nvr.EventID("0123456789abcdef0123456789abcdef")
	f.Add(formatEventCursor(nvr.EventCursor{Start: time.Unix(0, 123), ID: id}))
	f.Add("e2." + base64.RawURLEncoding.EncodeToString([]byte("123.0123456789ABCDEF0123456789abcdef")))
	f.Add("e2." + base64.RawURLEncoding.EncodeToString([]byte("123.45")))
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseEventCursor(s)
		if err != nil {
			var e *nvr.Error
			if !errors.As(err, &e) || e.Kind != nvr.KindInvalid {
				t.Fatalf("parseEventCursor(%q): %v is not KindInvalid", s, err)
			}
			return
		}
		back, err := parseEventCursor(formatEventCursor(c))
		if err != nil || !back.Start.Equal(c.Start) || back.ID != c.ID {
			t.Fatalf("cursor %q → %+v does not round-trip: %+v %v", s, c, back, err)
		}
	})
}
