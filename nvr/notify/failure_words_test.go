package notify

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestFailureWords: a household reads why its messages stopped in words,
// not a dial error; a receiver's answer is kept as it is. Real failures
// on the loopback, not made-up errors.
func TestFailureWords(t *testing.T) {
	t.Parallel()
	// A port nobody listens on: listen, note it, close.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	_, refused := http.Get("http://" + closed + "/api/webhook/secret-token")

	// A receiver that accepts and never answers.
	hung, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hung.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+hung.Addr().String()+"/x", nil)
	_, timedOut := http.DefaultClient.Do(req)

	for _, c := range []struct {
		err  error
		want string
	}{
		{refused, "nothing answers at that address: is the receiver running, and is the port right? (connection refused)"},
		{timedOut, "the receiver did not answer in time (context deadline exceeded)"},
		{permanent(errors.New("receiver answered 404 Not Found")), "receiver answered 404 Not Found"},
		{nil, "it could not be sent"},
	} {
		got := failureWords(c.err)
		if got != c.want {
			t.Errorf("failureWords(%v) = %q, want %q", c.err, got, c.want)
		}
		if strings.Contains(got, "secret-token") || strings.Contains(got, closed) {
			t.Errorf("the words name the target: %q", got)
		}
	}
}
