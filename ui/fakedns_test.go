package ui

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

// fakeDNS is a tiny authoritative DNS server on 127.0.0.1 (UDP) for one
// name, so a test can rebind it: it answers A queries for the name with
// the current address (or, once, with a queued one) and NXDOMAIN for any
// other name; AAAA gets an empty answer. Real DNS wire format, standard
// library only: Go's own resolver talks to it.
type fakeDNS struct {
	name string // lower case, no trailing dot
	pc   net.PacketConn

	mu      sync.Mutex
	addr    netip.Addr
	once    []netip.Addr // answered before addr, one query each
	answers []netip.Addr // every A answer given, in order
}

func startFakeDNS(t *testing.T, name string, addr netip.Addr) *fakeDNS {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &fakeDNS{name: strings.ToLower(name), pc: pc, addr: addr}
	done := make(chan struct{})
	go func() { defer close(done); d.serve() }()
	t.Cleanup(func() { pc.Close(); <-done })
	return d
}

// set makes addr the answer from now on.
func (d *fakeDNS) set(addr netip.Addr) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.addr, d.once = addr, nil
}

// answerOnce makes the next A answer addr, then the current one again.
func (d *fakeDNS) answerOnce(addr netip.Addr) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.once = append(d.once, addr)
}

// given returns the A answers given so far.
func (d *fakeDNS) given() []netip.Addr {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]netip.Addr(nil), d.answers...)
}

// resolver returns a Go resolver that asks only this server.
func (d *fakeDNS) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var nd net.Dialer
		return nd.DialContext(ctx, "udp", d.pc.LocalAddr().String())
	}}
}

func (d *fakeDNS) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := d.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		if resp, err := d.answer(buf[:n]); err == nil {
			_, _ = d.pc.WriteTo(resp, from)
		}
	}
}

const (
	dnsTypeA   = 1
	dnsClassIN = 1
)

// answer builds the response to one query: the header and question echoed,
// an A record when the name and type match.
func (d *fakeDNS) answer(q []byte) ([]byte, error) {
	if len(q) < 12 || binary.BigEndian.Uint16(q[4:6]) != 1 {
		return nil, errors.New("want one question")
	}
	var labels []string
	i := 12
	for {
		if i >= len(q) {
			return nil, errors.New("short question")
		}
		l := int(q[i])
		i++
		if l == 0 {
			break
		}
		if l > 63 || i+l > len(q) {
			return nil, errors.New("bad label")
		}
		labels = append(labels, string(q[i:i+l]))
		i += l
	}
	if i+4 > len(q) {
		return nil, errors.New("short question")
	}
	qtype, qclass := binary.BigEndian.Uint16(q[i:]), binary.BigEndian.Uint16(q[i+2:])
	question := q[12 : i+4]
	name := strings.ToLower(strings.Join(labels, "."))

	resp := make([]byte, 12, 12+len(question)+16)
	copy(resp, q[:2])                           // ID
	flags := uint16(0x8400) | uint16(q[2]&1)<<8 // QR, AA, RD copied
	if name != d.name {
		flags |= 3 // NXDOMAIN
	}
	binary.BigEndian.PutUint16(resp[2:], flags)
	binary.BigEndian.PutUint16(resp[4:], 1) // QDCOUNT
	resp = append(resp, question...)
	if name != d.name || qtype != dnsTypeA || qclass != dnsClassIN {
		return resp, nil
	}
	d.mu.Lock()
	a := d.addr
	if len(d.once) > 0 {
		a, d.once = d.once[0], d.once[1:]
	}
	d.answers = append(d.answers, a)
	d.mu.Unlock()
	binary.BigEndian.PutUint16(resp[6:], 1) // ANCOUNT
	ip := a.As4()
	resp = append(resp, 0xc0, 12, 0, dnsTypeA, 0, dnsClassIN, 0, 0, 0, 0, 0, 4) // name pointer, A, IN, TTL 0, RDLENGTH 4
	resp = append(resp, ip[:]...)
	return resp, nil
}
