package nvr

import (
	"errors"
	"testing"
)

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
