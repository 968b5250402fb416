package nvr

import (
	"net/netip"
	"sync"
	"time"
)

// LoginLimiter slows password guessing per account and per client address:
// after a number of free failures, each further failure doubles a lockout,
// up to a cap. State is in memory (a restart forgives, which is fine: the
// point is to make online guessing too slow to matter). Safe for concurrent use.
type LoginLimiter struct {
	now func() time.Time

	freePerAccount int
	freePerAddress int
	baseDelay      time.Duration
	maxDelay       time.Duration
	forgetAfter    time.Duration
	maxEntries     int

	mu      sync.Mutex
	entries map[string]*loginFailures
}

type loginFailures struct {
	count       int
	last        time.Time
	lockedUntil time.Time
}

// NewLoginLimiter returns a limiter with Hearth's defaults: 5 failures per
// account and 20 per address go unpunished; then each failure locks for
// 1 s, doubling up to 15 min.
func NewLoginLimiter(now func() time.Time) *LoginLimiter {
	if now == nil {
		now = time.Now
	}
	return &LoginLimiter{
		now:            now,
		freePerAccount: 5,
		freePerAddress: 20,
		baseDelay:      time.Second,
		maxDelay:       15 * time.Minute,
		forgetAfter:    time.Hour,
		maxEntries:     100_000,
		entries:        make(map[string]*loginFailures),
	}
}

// limiterKeys returns the account key and the address key. IPv6 clients are
// grouped by /64, since one host usually holds a whole /64.
func limiterKeys(account, clientAddr string) (string, string) {
	// Bound key sizes: names are at most maxNameLen, so anything longer is
	// already wrong and must not let a caller grow the map with huge keys.
	account, clientAddr = truncate(account, maxNameLen+1), truncate(clientAddr, 64)
	addrKey := "addr:" + clientAddr
	if ap, err := netip.ParseAddrPort(clientAddr); err == nil {
		addrKey = "addr:" + addrPrefix(ap.Addr())
	} else if a, err := netip.ParseAddr(clientAddr); err == nil {
		addrKey = "addr:" + addrPrefix(a)
	}
	return "acct:" + account, addrKey
}

func addrPrefix(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// Wait returns how long the caller must wait before trying account from
// clientAddr again; 0 means go ahead.
func (l *LoginLimiter) Wait(account, clientAddr string) time.Duration {
	ak, ck := limiterKeys(account, clientAddr)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	return max(l.waitLocked(ak, now), l.waitLocked(ck, now))
}

func (l *LoginLimiter) waitLocked(key string, now time.Time) time.Duration {
	e := l.entries[key]
	if e == nil || !now.Before(e.lockedUntil) {
		return 0
	}
	return e.lockedUntil.Sub(now)
}

// Failed records a failed attempt.
func (l *LoginLimiter) Failed(account, clientAddr string) {
	ak, ck := limiterKeys(account, clientAddr)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.entries) >= l.maxEntries {
		l.pruneLocked(now)
	}
	l.failLocked(ak, l.freePerAccount, now)
	l.failLocked(ck, l.freePerAddress, now)
}

func (l *LoginLimiter) failLocked(key string, free int, now time.Time) {
	e := l.entries[key]
	if e == nil || now.Sub(e.last) > l.forgetAfter {
		e = &loginFailures{}
		l.entries[key] = e
	}
	e.count++
	e.last = now
	// After the free failures, every further attempt waits: base, then doubling.
	if over := e.count - free + 1; over > 0 {
		d := l.baseDelay << min(over-1, 30)
		if d <= 0 || d > l.maxDelay {
			d = l.maxDelay
		}
		e.lockedUntil = now.Add(d)
	}
}

// Succeeded clears the account's failures after a good login. The address
// keeps its count, so one valid account cannot launder guesses at others.
func (l *LoginLimiter) Succeeded(account string) {
	ak, _ := limiterKeys(account, "")
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, ak)
}

// pruneLocked drops entries idle for longer than forgetAfter; if that frees
// nothing, it drops everything that is not currently locked.
func (l *LoginLimiter) pruneLocked(now time.Time) {
	for k, e := range l.entries {
		if now.Sub(e.last) > l.forgetAfter {
			delete(l.entries, k)
		}
	}
	if len(l.entries) < l.maxEntries {
		return
	}
	for k, e := range l.entries {
		if !now.Before(e.lockedUntil) {
			delete(l.entries, k)
		}
	}
}
