package webrtc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	pion "github.com/pion/webrtc/v4"
)

// DefaultUDPPort is the documented default ICE port (UDP and TCP).
const DefaultUDPPort = 8189

// Config configures an Engine.
type Config struct {
	// Port is the one port every session uses: UDP through the ICE UDP mux
	// and TCP (ICE-TCP, passive) on the same number. 0 picks a free port
	// (tests); production passes DefaultUDPPort or the configured one.
	Port int
	// HostIPs, when set, replace the local addresses in host candidates
	// (NAT 1:1: Docker, a NAS behind port forwarding).
	HostIPs []string
	// IPFilter, when set, keeps only the local addresses it accepts for ICE
	// (tests: loopback only). Loopback addresses are used only when the
	// filter accepts them explicitly.
	IPFilter func(net.IP) bool
	// DisableTCP turns ICE-TCP off (UDP only).
	DisableTCP bool
	// Log receives the engine's and pion's messages (pion's at debug).
	Log *slog.Logger
}

// LoopbackOnly is an IPFilter for tests: ICE on 127.0.0.1 only.
func LoopbackOnly(ip net.IP) bool { return ip.Equal(net.IPv4(127, 0, 0, 1)) }

// Engine owns the ICE sockets and the pion API every session is built from.
// Create it with Listen (which binds the port, so a port in use is reported
// at start), serve sessions, then Close it. Safe for concurrent use.
type Engine struct {
	cfg  Config
	log  *slog.Logger
	api  *pion.API
	udp  *ice.MultiUDPMuxDefault
	tcp  []net.Listener
	port int

	mu       sync.Mutex
	closed   bool
	sessions map[*Session]struct{}
	wg       sync.WaitGroup // session goroutines
}

// Listen binds the ICE port(s) and returns the engine.
func Listen(cfg Config) (*Engine, error) {
	if cfg.Port != 0 || cfg.DisableTCP {
		return listen(cfg)
	}
	// A free UDP port may be taken for TCP: try a few.
	var err error
	for range 5 {
		var e *Engine
		if e, err = listen(cfg); err == nil {
			return e, nil
		}
		if !errors.Is(err, errTCPPort) {
			return nil, err
		}
	}
	return nil, err
}

var errTCPPort = errors.New("tcp port taken")

func listen(cfg Config) (*Engine, error) {
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("webrtc: port %d out of range", cfg.Port)
	}
	for _, ip := range cfg.HostIPs {
		if net.ParseIP(ip) == nil {
			return nil, fmt.Errorf("webrtc: host ip %q is not an IP address", ip)
		}
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Engine{cfg: cfg, log: log, sessions: map[*Session]struct{}{}}
	lf := pionLogs{log: log.With("part", "pion")}

	opts := []ice.UDPMuxFromPortOption{
		ice.UDPMuxFromPortWithLogger(lf.NewLogger("udpmux")),
		ice.UDPMuxFromPortWithNetworks(ice.NetworkTypeUDP4, ice.NetworkTypeUDP6),
	}
	loopback := cfg.IPFilter != nil
	if cfg.IPFilter != nil {
		opts = append(opts, ice.UDPMuxFromPortWithIPFilter(cfg.IPFilter), ice.UDPMuxFromPortWithLoopback())
	}
	udp, err := ice.NewMultiUDPMuxFromPort(cfg.Port, opts...)
	if err == nil && len(udp.GetListenAddresses()) == 0 && !loopback {
		// A machine with no network but loopback still serves local viewers.
		_ = udp.Close()
		loopback = true
		udp, err = ice.NewMultiUDPMuxFromPort(cfg.Port, append(opts, ice.UDPMuxFromPortWithLoopback())...)
	}
	if err != nil {
		return nil, fmt.Errorf("webrtc: listen udp port %d: %w", cfg.Port, err)
	}
	e.udp = udp
	addrs := udp.GetListenAddresses()
	if len(addrs) == 0 {
		_ = udp.Close()
		return nil, errors.New("webrtc: no usable local address for ICE")
	}
	e.port = addrs[0].(*net.UDPAddr).Port

	var tcpMuxes []ice.TCPMux
	if !cfg.DisableTCP {
		for _, a := range addrs {
			ua := a.(*net.UDPAddr)
			ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: ua.IP, Port: ua.Port, Zone: ua.Zone})
			if err != nil {
				e.closeSockets()
				if cfg.Port == 0 {
					err = fmt.Errorf("%w: %w", errTCPPort, err)
				}
				return nil, fmt.Errorf("webrtc: listen tcp port %d: %w", ua.Port, err)
			}
			e.tcp = append(e.tcp, ln)
			tcpMuxes = append(tcpMuxes, ice.NewTCPMuxDefault(ice.TCPMuxParams{
				Listener: ln, Logger: lf.NewLogger("tcpmux"),
				ReadBufferSize: 64,
				// Writes never block a session: past 1 MiB queued on a
				// slow TCP viewer, packets are dropped (NACK/PLI recover).
				WriteBufferSize: 1 << 20,
			}))
		}
	}

	var se pion.SettingEngine
	se.LoggerFactory = lf
	se.SetICEUDPMux(udp)
	networks := []pion.NetworkType{pion.NetworkTypeUDP4, pion.NetworkTypeUDP6}
	if len(tcpMuxes) > 0 {
		se.SetICETCPMux(ice.NewMultiTCPMuxDefault(tcpMuxes...))
		networks = append(networks, pion.NetworkTypeTCP4, pion.NetworkTypeTCP6)
	}
	se.SetNetworkTypes(networks)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	if cfg.IPFilter != nil {
		se.SetIPFilter(cfg.IPFilter)
	}
	se.SetIncludeLoopbackCandidate(loopback)
	if len(cfg.HostIPs) > 0 {
		if err := se.SetICEAddressRewriteRules(pion.ICEAddressRewriteRule{
			External: cfg.HostIPs, AsCandidateType: pion.ICECandidateTypeHost, Mode: pion.ICEAddressRewriteReplace,
		}); err != nil {
			e.closeSockets()
			return nil, fmt.Errorf("webrtc: host ips: %w", err)
		}
	}

	m := &pion.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		e.closeSockets()
		return nil, fmt.Errorf("webrtc: codecs: %w", err)
	}
	ir := &interceptor.Registry{}
	// NACK answers retransmission requests from a bounded per-track
	// history; RTCP reports let the browser sync audio and video. No
	// bandwidth estimation: the video is passed through, never re-encoded.
	if err := pion.ConfigureNack(m, ir); err != nil {
		e.closeSockets()
		return nil, fmt.Errorf("webrtc: nack: %w", err)
	}
	if err := pion.ConfigureRTCPReports(ir); err != nil {
		e.closeSockets()
		return nil, fmt.Errorf("webrtc: rtcp reports: %w", err)
	}
	e.api = pion.NewAPI(pion.WithSettingEngine(se), pion.WithMediaEngine(m), pion.WithInterceptorRegistry(ir))
	return e, nil
}

// Port returns the bound ICE port.
func (e *Engine) Port() int { return e.port }

// Sessions returns how many sessions are open.
func (e *Engine) Sessions() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.sessions)
}

// Run blocks until ctx ends, then closes the engine (every session and the
// sockets).
func (e *Engine) Run(ctx context.Context) error {
	<-ctx.Done()
	e.Close()
	return nil
}

// Close ends every session, waits for their goroutines and releases the
// sockets. It is idempotent.
func (e *Engine) Close() {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.closed = true
	sessions := make([]*Session, 0, len(e.sessions))
	for s := range e.sessions {
		sessions = append(sessions, s)
	}
	e.mu.Unlock()
	for _, s := range sessions {
		s.Close()
	}
	e.wg.Wait()
	e.closeSockets()
}

func (e *Engine) closeSockets() {
	if e.udp != nil {
		_ = e.udp.Close()
	}
	for _, ln := range e.tcp {
		_ = ln.Close()
	}
}

// add registers a new session and its goroutines (under the lock, so Close
// never waits on a group still growing); false after Close.
func (e *Engine) add(s *Session, goroutines int) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false
	}
	e.sessions[s] = struct{}{}
	e.wg.Add(goroutines)
	return true
}

func (e *Engine) remove(s *Session) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.sessions, s)
}
