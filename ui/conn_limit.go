package ui

import (
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"
)

// DefaultMaxConnsPerClient is the default cap on simultaneous connections
// from one client address: a browser opens at most 6 per host for HTTP/1.1
// plus WebSockets for a grid of live views, and a household's devices
// behind one NAT share an address, so the default is generous; a slow-body
// or slowloris client from one address stays far from the file-descriptor
// limit.
const DefaultMaxConnsPerClient = 64

// LimitConnsPerClient wraps ln so that at most maxPerClient connections
// from one IP address are open at once; a connection beyond that is closed
// as soon as it is accepted, before any byte is read, and refusals are
// logged at most once a minute per address (an attacker at the cap retries
// without pause).
// maxPerClient <= 0 returns ln unchanged. The count is released when the
// accepted connection is closed (also after a hijack or a TLS wrap: both
// close the connection Accept returned). Safe for concurrent use, as
// net.Listener is.
func LimitConnsPerClient(ln net.Listener, maxPerClient int, log *slog.Logger) net.Listener {
	if maxPerClient <= 0 {
		return ln
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &clientLimitListener{Listener: ln, max: maxPerClient, log: log, open: make(map[string]*clientConns)}
}

type clientLimitListener struct {
	net.Listener
	max int
	log *slog.Logger

	mu   sync.Mutex
	open map[string]*clientConns // by IP; an entry exists while n > 0
}

type clientConns struct {
	n      int
	warned time.Time // when a refusal was last logged
}

// connWarnEvery is how often refusals of one address are logged.
const connWarnEvery = time.Minute

// Accept returns the next connection within its address's cap; refused
// connections are closed here and never reach the server.
func (l *clientLimitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := clientIP(c.RemoteAddr())
		if l.admit(ip) {
			return &clientLimitConn{Conn: c, release: func() { l.release(ip) }}, nil
		}
		_ = c.Close()
	}
}

func (l *clientLimitListener) admit(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.open[ip]
	if e == nil {
		e = &clientConns{}
		l.open[ip] = e
	}
	if e.n >= l.max {
		if now := time.Now(); now.Sub(e.warned) >= connWarnEvery {
			e.warned = now
			l.log.Warn("too many connections from one client; refusing more", "remote", ip, "max", l.max)
		}
		return false
	}
	e.n++
	return true
}

func (l *clientLimitListener) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.open[ip]
	if e == nil {
		return
	}
	e.n--
	if e.n <= 0 {
		delete(l.open, ip)
	}
}

// clientIP is the address a connection is counted under: the IP without
// the port, so one client's many sockets share a count; an IPv6 client by
// its /64, since one host usually holds a whole /64 (as the login limiter
// counts it) and could otherwise open a slot per address.
func clientIP(a net.Addr) string {
	var ip netip.Addr
	if ta, ok := a.(*net.TCPAddr); ok {
		ip, _ = netip.AddrFromSlice(ta.IP)
	} else if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		ip = ap.Addr()
	} else {
		return a.String()
	}
	ip = ip.Unmap()
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.String()
		}
	}
	return ip.String()
}

// clientLimitConn releases its slot once, on the first Close.
type clientLimitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

// NetConn returns the accepted connection, so code that tunes the socket
// (boundSendBuffer) reaches the *net.TCPConn.
func (c *clientLimitConn) NetConn() net.Conn { return c.Conn }

func (c *clientLimitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
