package nal

import (
	"bytes"
	"testing"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
)

func TestAppendEscapedRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		rbsp, esc []byte
	}{
		{"empty", nil, nil},
		{"no zeros", []byte{1, 2, 3}, []byte{1, 2, 3}},
		{"start code", []byte{0, 0, 1}, []byte{0, 0, 3, 1}},
		{"three zeros", []byte{0, 0, 0}, []byte{0, 0, 3, 0}},
		{"zero run", []byte{0, 0, 0, 0, 0}, []byte{0, 0, 3, 0, 0, 3, 0}},
		{"safe", []byte{0, 0, 4}, []byte{0, 0, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AppendEscaped(nil, tt.rbsp)
			if !bytes.Equal(got, tt.esc) {
				t.Fatalf("AppendEscaped(%v) = %v, want %v", tt.rbsp, got, tt.esc)
			}
			if back := h264.EmulationPreventionRemove(got); !bytes.Equal(back, tt.rbsp) && len(tt.rbsp) > 0 {
				t.Fatalf("removing again gives %v, want %v", back, tt.rbsp)
			}
		})
	}
}
