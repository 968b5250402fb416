package nvr

import (
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LoginLimiter slows password guessing: after a number of free failures,
// each further failure doubles a lockout, up to a cap. It counts failures
// under three keys:
//
//   - the account from one client address (one guesser at one account);
//   - the client address across accounts (one guesser spraying accounts);
//   - the account across all addresses, the global cap on an account (a
//     botnet at one account).
//
// The account-wide lock does not apply to an address that has signed in to
// that account within knownFor: otherwise anyone who knows a user name could
// lock its owner out everywhere with wrong passwords. Strangers' failures
// therefore lock strangers (and new devices, while an attack lasts), never
// the owner's own devices. State is in memory (a restart forgives, which is
// fine: the point is to make online guessing too slow to matter). Safe for
// concurrent use.
type LoginLimiter struct {
	now func() time.Time

	freePerAccount int
	freePerAddress int
	baseDelay      time.Duration
	maxDelay       time.Duration
	forgetAfter    time.Duration
	knownFor       time.Duration
	maxEntries     int

	mu      sync.Mutex
	entries map[string]*loginFailures
	// known holds, per pair key, until when that address counts as one the
	// account's owner signs in from. Only a right password adds to it, so a
	// stranger cannot grow it.
	known map[string]time.Time
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
		knownFor:       30 * 24 * time.Hour, // the absolute session lifetime
		maxEntries:     100_000,
		entries:        make(map[string]*loginFailures),
		known:          make(map[string]time.Time),
	}
}

// limiterKeySet holds the three failure keys of one attempt.
type limiterKeySet struct {
	account string // the account, any address
	addr    string // the address, any account
	pair    string // the account from the address
}

// keysOf returns the keys of an attempt at account from clientAddr. IPv6
// clients are grouped by /64, since one host usually holds a whole /64.
func keysOf(account, clientAddr string) limiterKeySet {
	// Bound key sizes: names are at most maxNameLen, so anything longer is
	// already wrong and must not let a caller grow the map with huge keys.
	account, clientAddr = truncate(account, maxNameLen+1), truncate(clientAddr, 64)
	addrKey := "addr:" + clientAddr
	if ap, err := netip.ParseAddrPort(clientAddr); err == nil {
		addrKey = "addr:" + addrPrefix(ap.Addr())
	} else if a, err := netip.ParseAddr(clientAddr); err == nil {
		addrKey = "addr:" + addrPrefix(a)
	}
	// The address part is length-prefixed, so no name and address, however
	// odd, can spell another pair's key.
	addrPart := strings.TrimPrefix(addrKey, "addr:")
	return limiterKeySet{account: "acct:" + account, addr: addrKey,
		pair: "pair:" + strconv.Itoa(len(addrPart)) + ":" + addrPart + account}
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
	k := keysOf(account, clientAddr)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	w := max(l.waitLocked(k.pair, now), l.waitLocked(k.addr, now))
	if until, ok := l.known[k.pair]; !ok || !now.Before(until) {
		w = max(w, l.waitLocked(k.account, now))
	}
	return w
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
	k := keysOf(account, clientAddr)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.entries)+3 > l.maxEntries {
		l.pruneLocked(now)
	}
	l.failLocked(k.account, l.freePerAccount, now)
	l.failLocked(k.pair, l.freePerAccount, now)
	l.failLocked(k.addr, l.freePerAddress, now)
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

// Succeeded records a good login of account from clientAddr: the pair's
// failures are cleared and the address becomes known to the account for
// knownFor, so the account-wide lock no longer applies to it. The address
// keeps its count, so one valid account cannot launder guesses at others;
// the account-wide count stays too, so the owner signing in meanwhile does
// not hand a botnet fresh free guesses.
func (l *LoginLimiter) Succeeded(account, clientAddr string) {
	k := keysOf(account, clientAddr)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, k.pair)
	if _, ok := l.known[k.pair]; !ok && len(l.known) >= l.maxEntries {
		l.pruneKnownLocked(now)
	}
	l.known[k.pair] = now.Add(l.knownFor)
}

// pruneKnownLocked drops expired known addresses; if that frees nothing, it
// drops any one entry (only right passwords add entries, so this happens
// only on an appliance with a hundred thousand live sign-in places).
func (l *LoginLimiter) pruneKnownLocked(now time.Time) {
	for k, until := range l.known {
		if !now.Before(until) {
			delete(l.known, k)
		}
	}
	for k := range l.known {
		if len(l.known) < l.maxEntries {
			return
		}
		delete(l.known, k)
	}
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
