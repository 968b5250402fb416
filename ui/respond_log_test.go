package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestClientAbortsAreNotErrors: a failure caused by the client going away
// is logged at debug; the same failure with the client still there, or any
// other failure after it left, stays an error.
func TestClientAbortsAreNotErrors(t *testing.T) {
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name      string
		ctx       context.Context
		err       error
		wantLevel string
	}{
		{"client went away", gone, fmt.Errorf("read segment: %w", context.Canceled), "DEBUG"},
		{"canceled while the client is there", context.Background(), fmt.Errorf("read segment: %w", context.Canceled), "ERROR"},
		{"another failure after the client left", gone, errors.New("disk on fire"), "ERROR"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			s := &Server{log: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}
			r := httptest.NewRequest("GET", "/api/cameras", nil).WithContext(c.ctx)
			s.logFailure(r, "request failed", c.err)
			if !strings.Contains(buf.String(), "level="+c.wantLevel) {
				t.Fatalf("logged %q, want level %s", buf.String(), c.wantLevel)
			}
		})
	}
}
