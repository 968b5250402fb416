package ptz

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// TestFailureWords: a camera that cannot be reached is said so, without
// its address (the raw dial error named the camera's ONVIF URL and ran
// off a phone's screen); a camera's own answer is kept.
func TestFailureWords(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, refused := (&net.Dialer{}).DialContext(context.Background(), "tcp", addr)
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	for _, c := range []struct {
		err  error
		want string
	}{
		{refused, "the camera could not be reached to move it: is it on and connected?"},
		{ctx.Err(), "the camera did not answer in time"},
		{errors.New("SOAP fault: ter:NoProfile"), "the camera did not do it: SOAP fault: ter:NoProfile"},
	} {
		got := failureWords(c.err)
		if got != c.want {
			t.Errorf("failureWords(%v) = %q, want %q", c.err, got, c.want)
		}
		if strings.Contains(got, "127.0.0.1") {
			t.Errorf("the words name the camera's address: %q", got)
		}
	}
}
