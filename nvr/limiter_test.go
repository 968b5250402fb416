package nvr

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/internal/clocktest"
)

// newLimiterClock is the limiter tests' clock: the tests' one fake clock,
// standing still until a test moves it.
func newLimiterClock() *clocktest.Clock {
	return clocktest.New(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
}

// freshAddr returns a distinct IPv4 address for each n, so account tests do
// not trip the per-address limit.
func freshAddr(n int) string { return fmt.Sprintf("10.%d.%d.%d:5000", n>>16&255, n>>8&255, n&255) }

func TestLimiterAccountBackoffDoubles(t *testing.T) {
	t.Parallel()
	clock := newLimiterClock()
	l := NewLoginLimiter(clock.Now)
	const account = "alice"
	n := 0
	fail := func() {
		n++
		l.Failed(account, freshAddr(n))
	}
	for i := range 4 {
		fail()
		if w := l.Wait(account, freshAddr(1000)); w != 0 {
			t.Fatalf("after %d failures Wait = %v, want 0", i+1, w)
		}
	}
	fail() // the 5th
	want := time.Second
	var seen []time.Duration
	for range 15 {
		w := l.Wait(account, freshAddr(1000))
		seen = append(seen, w)
		if w != want {
			t.Fatalf("waits %v: got %v, want %v", seen, w, want)
		}
		// Just before the lock ends the account is still locked; at the end it is free.
		clock.Advance(w - time.Nanosecond)
		if l.Wait(account, freshAddr(1000)) != time.Nanosecond {
			t.Fatalf("1ns before the end Wait = %v", l.Wait(account, freshAddr(1000)))
		}
		clock.Advance(time.Nanosecond)
		if got := l.Wait(account, freshAddr(1000)); got != 0 {
			t.Fatalf("at the end of the lock Wait = %v, want 0", got)
		}
		fail()
		want = min(2*want, 15*time.Minute)
	}
	if seen[len(seen)-1] != 15*time.Minute {
		t.Fatalf("waits %v never reach the 15m cap", seen)
	}
	t.Logf("waits: %v", seen)
}

func TestLimiterCapSurvivesManyFailures(t *testing.T) {
	t.Parallel()
	clock := newLimiterClock()
	l := NewLoginLimiter(clock.Now)
	for i := range 200 { // far past the shift width
		l.Failed("alice", freshAddr(i))
		if w := l.Wait("alice", freshAddr(10_000)); w < 0 || w > 15*time.Minute {
			t.Fatalf("after %d failures Wait = %v, want within [0, 15m]", i+1, w)
		}
	}
	if w := l.Wait("alice", freshAddr(10_000)); w != 15*time.Minute {
		t.Fatalf("Wait = %v, want the 15m cap", w)
	}
}

func TestLimiterAddressLimit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		attack  func(i int) string // the attacker's address for attempt i
		blocked []string           // addresses that must be locked afterwards
		free    []string           // addresses that must not be
	}{
		{
			name:    "ipv4 with ports",
			attack:  func(i int) string { return fmt.Sprintf("192.0.2.7:%d", 1000+i) },
			blocked: []string{"192.0.2.7:1", "192.0.2.7", "[::ffff:192.0.2.7]:80", "::ffff:192.0.2.7"},
			free:    []string{"192.0.2.8:1", "192.0.2.6"},
		},
		{
			name:    "ipv6 grouped by /64",
			attack:  func(i int) string { return fmt.Sprintf("[2001:db8:1:2:%x::1]:%d", i, 1000+i) },
			blocked: []string{"[2001:db8:1:2::1]:1", "2001:db8:1:2:ffff:ffff:ffff:ffff", "[2001:db8:1:2::abcd%eth0]:1"},
			free:    []string{"[2001:db8:1:3::1]:1", "2001:db8:1::1", "[2001:db8:2:2::1]:1"},
		},
		{
			name:    "ipv6 without port",
			attack:  func(i int) string { return fmt.Sprintf("fd00:aa:bb:cc:%x::", i+1) },
			blocked: []string{"fd00:aa:bb:cc::1"},
			free:    []string{"fd00:aa:bb:cd::1"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := NewLoginLimiter(newLimiterClock().Now)
			for i := range 19 {
				l.Failed(fmt.Sprintf("user%d", i), tc.attack(i))
			}
			if w := l.Wait("new-account", tc.attack(0)); w != 0 {
				t.Fatalf("after 19 failures the address waits %v", w)
			}
			l.Failed("user19", tc.attack(19))
			for _, a := range tc.blocked {
				if w := l.Wait("new-account", a); w <= 0 {
					t.Errorf("after 20 failures %s waits %v, want > 0", a, w)
				}
			}
			for _, a := range tc.free {
				if w := l.Wait("new-account", a); w != 0 {
					t.Errorf("%s waits %v, want 0", a, w)
				}
			}
			// The accounts themselves had one failure each: not locked.
			if w := l.Wait("user0", "198.51.100.1"); w != 0 {
				t.Errorf("account with one failure waits %v", w)
			}
		})
	}
}

func TestLimiterKeys(t *testing.T) {
	t.Parallel()
	cases := []struct {
		addr, want string
	}{
		{"192.0.2.1:443", "addr:192.0.2.1"},
		{"192.0.2.1", "addr:192.0.2.1"},
		{"[::ffff:192.0.2.1]:443", "addr:192.0.2.1"},
		{"[2001:db8:1:2:3:4:5:6]:443", "addr:2001:db8:1:2::/64"},
		{"2001:db8:1:2:3:4:5:6", "addr:2001:db8:1:2::/64"},
		{"[fe80::1%eth0]:1", "addr:fe80::/64"},
		{"not an address", "addr:not an address"},
		{"", "addr:"},
	}
	for _, tc := range cases {
		k := keysOf("alice", tc.addr)
		addrPart := strings.TrimPrefix(tc.want, "addr:")
		wantPair := fmt.Sprintf("pair:%d:%salice", len(addrPart), addrPart)
		if k.account != "acct:alice" || k.addr != tc.want || k.pair != wantPair {
			t.Errorf("keysOf(alice, %q) = %+q; want acct:alice, %q, %q", tc.addr, k, tc.want, wantPair)
		}
	}
	// An account named like an address or a pair cannot collide with
	// another kind of key, nor two pairs with each other.
	k := keysOf("addr:192.0.2.1", "192.0.2.1")
	if k.account == k.addr || k.account == k.pair || k.addr == k.pair {
		t.Errorf("keys collide: %+q", k)
	}
	if a, b := keysOf("bob\x00x", "192.0.2.1"), keysOf("x", "192.0.2.1\x00bob"); a.pair == b.pair {
		t.Errorf("pairs collide: %q", a.pair)
	}
}

func TestLimiterForgetsAfterAnHour(t *testing.T) {
	t.Parallel()
	clock := newLimiterClock()
	l := NewLoginLimiter(clock.Now)
	for i := range 4 {
		l.Failed("alice", freshAddr(i))
	}
	clock.Advance(time.Hour + time.Second)
	for i := range 4 {
		l.Failed("alice", freshAddr(100+i))
	}
	// 8 failures in all, but the first 4 are forgotten.
	if w := l.Wait("alice", freshAddr(1000)); w != 0 {
		t.Fatalf("Wait = %v; failures older than an hour should be forgotten", w)
	}
	// Within the hour they add up.
	l2 := NewLoginLimiter(clock.Now)
	for i := range 4 {
		l2.Failed("alice", freshAddr(i))
	}
	clock.Advance(59 * time.Minute)
	for i := range 4 {
		l2.Failed("alice", freshAddr(100+i))
	}
	if w := l2.Wait("alice", freshAddr(1000)); w <= 0 {
		t.Fatalf("Wait = %v; 8 failures within an hour should lock", w)
	}
}

func TestLimiterSucceededClearsPairOnly(t *testing.T) {
	t.Parallel()
	l := NewLoginLimiter(newLimiterClock().Now)
	const addr = "192.0.2.50:1"
	for range 20 {
		l.Failed("alice", addr)
	}
	l.Succeeded("alice", addr)
	if w := l.Wait("alice", addr); w <= 0 {
		t.Fatalf("alice from the address waits %v after a success; the address keeps its own count", w)
	}
	if w := l.Wait("bob", addr); w <= 0 {
		t.Fatalf("address waits %v after a success on one account; it should keep its count", w)
	}
	if w := l.Wait("alice", freshAddr(5)); w <= 0 {
		t.Fatalf("alice from a new address waits %v; the account-wide count must survive a success", w)
	}
	l.Succeeded("nobody", "") // unknown account: no effect, no panic
}

// TestLimiterStrangerCannotLockOwnerOut (issue 14, finding 7): anyone who
// knows a user name may send wrong passwords for it, from one address or
// many; the owner's devices (addresses that signed in within knownFor)
// still get in at once with the right password, while the strangers, and
// new addresses during the attack, stay limited as before.
func TestLimiterStrangerCannotLockOwnerOut(t *testing.T) {
	t.Parallel()
	clock := newLimiterClock()
	l := NewLoginLimiter(clock.Now)
	const phone, laptop, stranger = "192.0.2.10:40000", "[2001:db8:1:2::10]:40000", "192.0.2.66:1234"
	l.Succeeded("ana", phone)
	clock.Advance(24 * time.Hour)
	l.Succeeded("ana", "[2001:db8:1:2::99]:5") // same /64 as the laptop
	clock.Advance(time.Hour)
	for i := range 200 {
		l.Failed("ana", stranger)
		l.Failed("ana", freshAddr(i)) // and a botnet
	}
	for _, addr := range []string{phone, laptop} {
		if w := l.Wait("ana", addr); w != 0 {
			t.Errorf("the owner's device %s waits %v after strangers' failures, want 0", addr, w)
		}
	}
	if w := l.Wait("ana", stranger); w < 15*time.Minute {
		t.Errorf("the stranger waits %v, want the 15 min cap", w)
	}
	if w := l.Wait("ana", "198.51.100.1:1"); w < 15*time.Minute {
		t.Errorf("a new address waits %v during the attack, want the account-wide cap", w)
	}
	// The owner's own wrong passwords still count at their device.
	for range 5 {
		l.Failed("ana", phone)
	}
	if w := l.Wait("ana", phone); w <= 0 {
		t.Errorf("the owner's device after 5 failures of its own waits %v, want a lock", w)
	}
	// A known address is forgotten after knownFor.
	clock.Advance(l.knownFor)
	for i := range 5 {
		l.Failed("ana", freshAddr(9000+i))
	}
	if w := l.Wait("ana", laptop); w <= 0 {
		t.Errorf("an address not seen for %v still skips the account lock", l.knownFor)
	}
}

func TestLimiterMapStaysBounded(t *testing.T) {
	t.Parallel()
	clock := newLimiterClock()
	l := NewLoginLimiter(clock.Now)
	l.maxEntries = 64

	// A locked victim must stay locked through a flood of new keys.
	for i := range 6 {
		l.Failed("victim", freshAddr(i))
	}
	victimWait := l.Wait("victim", freshAddr(99_999))
	if victimWait <= 0 {
		t.Fatal("victim not locked")
	}

	largest := 0
	for i := range 10_000 {
		l.Failed(fmt.Sprintf("spray%d", i), fmt.Sprintf("[2001:db8:%x:%x::1]:1", i>>16, i&0xffff))
		l.mu.Lock()
		largest = max(largest, len(l.entries))
		l.mu.Unlock()
	}
	if largest > l.maxEntries+2 {
		t.Fatalf("map grew to %d entries with maxEntries %d", largest, l.maxEntries)
	}
	if w := l.Wait("victim", freshAddr(99_999)); w != victimWait {
		t.Fatalf("flood changed the victim's wait from %v to %v", victimWait, w)
	}
	t.Logf("largest map size %d for maxEntries %d over 10000 sprayed failures", largest, l.maxEntries)

	// Idle entries go first: after an hour, a prune empties the old keys.
	clock.Advance(2 * time.Hour)
	l.mu.Lock()
	l.pruneLocked(clock.Now())
	n := len(l.entries)
	l.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d entries survive a prune two hours later", n)
	}
}

func TestLimiterConcurrent(t *testing.T) {
	t.Parallel()
	l := NewLoginLimiter(nil)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				acct := fmt.Sprintf("u%d", i%7)
				addr := freshAddr(g*1000 + i)
				_ = l.Wait(acct, addr)
				l.Failed(acct, addr)
				if i%13 == 0 {
					l.Succeeded(acct, addr)
				}
			}
		})
	}
	wg.Wait()
}

// TestLimiterKeysAreBounded: Login records a failure for any name the
// client sends, even one far longer than a username may be (the body limit
// is 1 MiB). The limiter keeps up to maxEntries keys, so each key must stay
// small or a flood of long names pins gigabytes.
func TestLimiterKeysAreBounded(t *testing.T) {
	t.Parallel()
	const bound = 4 * maxNameLen // generous: prefix + a name or an address
	long := strings.Repeat("n", 1<<20)

	l := NewLoginLimiter(nil)
	l.Failed(long, "192.0.2.1:1")
	l.Failed("alice", long)

	a := NewAuth(nil, AuthConfig{Argon2: Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}})
	_, _, err := a.Login(context.Background(), long, "password", ClientInfo{Addr: "192.0.2.2:1"})
	if ErrorKind(err) != KindUnauthorized {
		t.Fatalf("Login(long name) = %v, want unauthorized", err)
	}

	for name, lim := range map[string]*LoginLimiter{"limiter": l, "auth": a.limiter} {
		lim.mu.Lock()
		for k := range lim.entries {
			if len(k) > bound {
				t.Errorf("%s holds a %d-byte key (%.30q…)", name, len(k), k)
			}
		}
		lim.mu.Unlock()
	}
}
