package main

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLoginBruteForceThroughServer hammers one account's password through
// the real server, on the JSON route and on the HTML form, for a bounded
// window, and reports how many guesses were actually evaluated (answered
// 401, not 429), the Retry-After given, and that the right password is
// refused too while the lockout lasts (a guess during lockout tells
// nothing). The limiter's clock cannot be injected through the binary, so
// the figure is a count within a short window; nvr's limiter_measure_test
// gives the per-minute figures on a fake clock.
func TestLoginBruteForceThroughServer(t *testing.T) {
	const pw = "a long enough passphrase"
	const window = 12 * time.Second
	t.Parallel()
	for _, route := range []string{"/api/login", "/login"} {
		t.Run(strings.TrimPrefix(route, "/"), func(t *testing.T) {
			t.Parallel() // two servers, two accounts: the windows overlap
			data := t.TempDir()
			mustCLI(t, "", "household", "add", "Alpha", "--data", data)
			mustCLI(t, pw+"\n", "user", "add", "ana", "--household", "Alpha", "--role", "owner", "--data", data)
			srv := startServer(t, data)
			hc := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			try := func(password string) (int, string) {
				var req *http.Request
				if route == "/api/login" {
					req, _ = http.NewRequest("POST", srv.url+route, strings.NewReader(`{"username":"ana","password":"`+password+`"}`))
					req.Header.Set("Content-Type", "application/json")
				} else {
					form := url.Values{"username": {"ana"}, "password": {password}}
					req, _ = http.NewRequest("POST", srv.url+route, strings.NewReader(form.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				resp, err := hc.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				_, _ = io.Copy(io.Discard, resp.Body)
				return resp.StatusCode, resp.Header.Get("Retry-After")
			}
			evaluated, refused, beforeLock := 0, 0, -1
			retryAfter := ""
			start := time.Now()
			for i := 0; time.Since(start) < window && i < 2000; i++ {
				code, ra := try("guess-" + strconv.Itoa(i))
				switch code {
				case http.StatusUnauthorized:
					evaluated++
				case http.StatusTooManyRequests:
					refused++
					if beforeLock < 0 {
						beforeLock, retryAfter = evaluated, ra
						if n, err := strconv.Atoi(ra); err != nil || n < 1 {
							t.Errorf("429 without a usable Retry-After: %q", ra)
						}
						// Locked: the right password is refused too.
						if code, _ := try(pw); code != http.StatusTooManyRequests {
							t.Errorf("the right password during lockout: %d, want 429", code)
						}
					}
				default:
					t.Fatalf("guess %d: status %d", i, code)
				}
				time.Sleep(20 * time.Millisecond)
			}
			elapsed := time.Since(start)
			if beforeLock < 1 || beforeLock > 10 {
				t.Errorf("%d failures before the first lockout, want 1..10", beforeLock)
			}
			perMin := float64(evaluated) * float64(time.Minute) / float64(elapsed)
			if evaluated > 12 {
				t.Errorf("%d guesses evaluated in %v (%.0f/min): the limiter does not hold", evaluated, elapsed.Round(time.Second), perMin)
			}
			t.Logf("%s: %d guesses evaluated, %d refused with 429 in %v (%.0f evaluated/min at this start); first lockout after %d failures, Retry-After %s s",
				route, evaluated, refused, elapsed.Round(time.Second), perMin, beforeLock, retryAfter)
		})
	}
}
