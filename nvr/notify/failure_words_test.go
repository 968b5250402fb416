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

	// The appliance's mail relay down: the words send the household to
	// the appliance's admin (they read "is the receiver running?" and
	// could do nothing about it).
	relayDown := email{cfg: SMTPConfig{Addr: closed, From: "hearth@example.com", Security: SMTPPlain, Timeout: 5 * time.Second}}.
		deliver(context.Background(), "ana@example.com", []byte("x"))

	for _, c := range []struct {
		err  error
		want string
	}{
		{refused, "nothing answers at that address: is the receiver running, and is the port right? (connection refused)"},
		{relayDown, "the appliance's mail server did not take it: the appliance's admin can check its mail settings (connection refused)"},
		{smtpErr("smtp rcpt to", errors.New("550 5.1.1 no such user")), "smtp rcpt to: 550 5.1.1 no such user"},
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
