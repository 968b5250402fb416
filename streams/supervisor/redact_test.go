package supervisor

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"dial rtsp://admin:hunter2@10.0.0.5:554/main: refused", "dial rtsp://xxxxx@10.0.0.5:554/main: refused"},
		{"rtsp://admin:p@ss/w0rd@cam/x", "rtsp://xxxxx@cam/x"},
		{"rtsp://token@cam/x", "rtsp://xxxxx@cam/x"},
		{`parse "rtsps://u:p@cam": bad`, `parse "rtsps://xxxxx@cam": bad`},
		{"a rtsp://u:p@h1/ b http://v:q@h2/", "a rtsp://xxxxx@h1/ b http://xxxxx@h2/"},
		{"rtsp://cam.local:554/main", "rtsp://cam.local:554/main"},
		{"user admin@cam failed", "user admin@cam failed"},
	}
	for _, tt := range tests {
		if got := redact(tt.in); got != tt.want {
			t.Errorf("redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Credentials in a source's error or panic never reach Status or the log.
func TestCredentialsNeverStoredOrLogged(t *testing.T) {
	const canary = "CANARY-s3cr3t-7f1d"
	var logs logBuffer
	var log statusLog
	attempt := 0
	src := &fakeSource{run: func(context.Context, func(*media.Unit)) error {
		attempt++
		switch attempt {
		case 1:
			return fmt.Errorf("dial rtsp://admin:%s@10.0.0.5:554/main: %w", canary, media.ErrUnreachable)
		case 2:
			return fmt.Errorf("describe rtsp://admin:%s@10.0.0.5/main: 401: %w", canary, media.ErrAuth)
		default:
			panic("bad url rtsp://admin:" + canary + "@10.0.0.5/main")
		}
	}}
	runInstant(Config{CameraID: camA, Source: src, Logger: logs.logger(), OnChange: log.add}, afterSleeps(3))
	for _, st := range log.list() {
		if strings.Contains(st.LastError, canary) {
			t.Errorf("Status.LastError holds the password: %q", st.LastError)
		}
	}
	if fails := log.failures(); len(fails) != 3 || !strings.Contains(fails[2].LastError, "rtsp://xxxxx@10.0.0.5/main") {
		t.Errorf("failures %+v, want 3 with the redacted URL", fails)
	}
	out := logs.String()
	if strings.Contains(out, canary) {
		t.Errorf("log holds the password:\n%s", out)
	}
	if !strings.Contains(out, "xxxxx@10.0.0.5") {
		t.Errorf("log lacks the redacted URL:\n%s", out)
	}
}

func TestStartDelayHelper(t *testing.T) {
	tests := []struct {
		index, count int
		window, want time.Duration
	}{
		{0, 10, time.Minute, 0},
		{1, 10, time.Minute, 6 * time.Second},
		{9, 10, time.Minute, 54 * time.Second},
		{10, 10, time.Minute, 54 * time.Second}, // clamped to the last slot
		{1, 3, time.Second, 333333333},
		{2, 3, time.Second, 666666666},
		{5, 0, time.Minute, 0},
		{-1, 10, time.Minute, 0},
		{199, 200, 1000 * time.Hour, 199 * 5 * time.Hour},
	}
	for _, tt := range tests {
		if got := StartDelay(tt.index, tt.count, tt.window); got != tt.want {
			t.Errorf("StartDelay(%d, %d, %v) = %v, want %v", tt.index, tt.count, tt.window, got, tt.want)
		}
	}
}
