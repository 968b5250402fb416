package nvr

import (
	"encoding/base64"
	"errors"
	"testing"
	"time"
)

// FuzzEventCursor: the events listing's opaque cursor comes from the
// client. Any string parses or is a KindInvalid error; a parsed cursor
// formats back to a cursor that parses to the same position.
func FuzzEventCursor(f *testing.F) {
	for _, s := range []string{"", "e1.", "e1.MTIzLjQ1", "e1.LTEuMQ", "e1.MC4w", "e1.OTIyMzM3MjAzNjg1NDc3NTgwOC4x",
		"e1.=\"", "e1." + "QUFB" + "QUFB", "x1.MTIzLjQ1", "e1.MTIzLjQ1\x00", "e1.MTIz"} {
		f.Add(s) // "e1." cursors held a row number: all refused now
	}
	id := EventID("0123456789abcdef0123456789abcdef")
	f.Add(formatEventCursor(EventCursor{Start: time.Unix(0, 123), ID: id}))
	f.Add("e2." + base64.RawURLEncoding.EncodeToString([]byte("123.0123456789ABCDEF0123456789abcdef")))
	f.Add("e2." + base64.RawURLEncoding.EncodeToString([]byte("123.45")))
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseEventCursor(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind != KindInvalid {
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

// FuzzDetectionZones: zone JSON comes from the camera settings form.
// Validate never panics; settings it accepts encode and validate again.
func FuzzDetectionZones(f *testing.F) {
	for _, s := range []string{"", "[]", "null", "{}", `[{"name":"door","polygon":[[0,0],[1,0],[1,1]]}]`,
		`[{"name":"","polygon":[[0,0],[1,0],[1,1]]}]`, `[{"name":"x","mask":true,"polygon":[[0,0],[1e308,0],[1,1]]}]`,
		`[{"name":"x","polygon":[[0,0],[-0,0],[1,"1"]]}]`, `[{"name":"$(touch /tmp/x)","polygon":[[0,0],[1,0],[1,1]]}]`,
		`[{"name":"a\nb","polygon":[[0,0],[1,0],[1,1]]}]`, `[{"polygon":[[0,0,0],[1],[]]}]`, `[[`, `[{"name":"=\"","polygon":null}]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, zones string) {
		d := Detection{Detector: DetectorAuto, Sensitivity: DefaultSensitivity, Zones: zones}
		if err := d.Validate(); err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind != KindInvalid {
				t.Fatalf("Validate(%q): %v is not KindInvalid", zones, err)
			}
			return
		}
		zs, err := d.ParsedZones()
		if err != nil {
			t.Fatalf("valid zones do not parse: %v", err)
		}
		again := Detection{Detector: DetectorAuto, Sensitivity: DefaultSensitivity, Zones: ZonesText(zs)}
		if err := again.Validate(); err != nil {
			t.Fatalf("zones %q re-encoded as %q fail: %v", zones, again.Zones, err)
		}
	})
}
