package rtsp

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/description"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph265"
	"github.com/pion/rtp"

	"github.com/hearthnvr/hearth/streams/media"
)

// Track indexes in every StreamInfo a session makes.
const (
	videoTrack = 0
	audioTrack = 1
)

// session is one connection of a Client: created and discarded by Run.
type session struct {
	c       *Client
	cfg     Config
	publish func(*media.Unit)
	ready   func() // called once PLAY is answered; may be nil
	red     redactor
	log     *slog.Logger
	gc      *gortsplib.Client
	sel     selection
	// videoNTP returns the sender-report time of a video RTP timestamp
	// (gortsplib's PacketNTP; a stub in unit tests).
	videoNTP func(pt uint8, ts uint32) (time.Time, bool)

	start      time.Time              // monotonic reference for lastPacket
	heard      atomic.Int64           // bytes read on the RTSP connection
	lastPacket atomic.Int64           // ns since start of the last video packet
	refused    atomic.Pointer[string] // CheckAddr's first refusal (redacted)

	// mu serializes the packet callbacks (gortsplib may call them from one
	// goroutine per medium) and guards everything below.
	mu      sync.Mutex
	closed  bool
	info    *media.StreamInfo
	video   videoPath
	audio   *audioPath
	decErrs int
}

type videoPath struct {
	decode func(*rtp.Packet) ([][]byte, error)
	// release, when set, is called once decode's result is consumed (the
	// depacketizer gives its scratch buffer back).
	release func()
	asm     *assembler
	state   videoState
	pts     unwrapper
	wall    wallClock
	nextSeq uint16
	seqSeen bool
	pt      uint8 // payload type of the last packet, for NTP look-ups
}

type audioPath struct {
	track  media.Track
	decode func(*rtp.Packet) ([][]byte, error)
	pts    unwrapper
	wall   wallClock
}

func newSession(c *Client, publish func(*media.Unit)) *session {
	return &session{
		c: c, cfg: c.cfg, publish: publish,
		red: newRedactor(c.cfg),
		log: c.cfg.Logger.With("camera", c.cfg.CameraID, "stream", c.cfg.Stream, "url", c.redacted),
	}
}

// fail builds the error Run returns.
func (s *session) fail(phase string, err error, playing bool) error {
	if r := s.refusal(); r != nil {
		return r
	}
	return &Error{
		Op:   s.c.op + ": " + phase + " " + s.c.redacted,
		Kind: classify(err, playing, s.heard.Load() > 0),
		Msg:  s.red.clean(err.Error()),
	}
}

func (s *session) run(ctx context.Context) error {
	var proto *gortsplib.Protocol
	switch s.cfg.Transport {
	case TransportTCP:
		p := gortsplib.ProtocolTCP
		proto = &p
	case TransportUDP:
		p := gortsplib.ProtocolUDP
		proto = &p
	}
	s.gc = &gortsplib.Client{
		Scheme:       s.c.url.Scheme,
		Host:         s.c.url.Host,
		Protocol:     proto,
		ReadTimeout:  s.cfg.ReadTimeout,
		WriteTimeout: s.cfg.ReadTimeout,
		TLSConfig:    s.cfg.TLSConfig,
		UserAgent:    "Hearth",
		ListenPacket: s.listenPacket,
		DialContext:  s.dial,
		OnDecodeError: func(err error) {
			s.mu.Lock()
			s.decodeError(err)
			s.mu.Unlock()
		},
	}
	if err := s.gc.Start(); err != nil {
		return s.fail("start", err, false)
	}
	stop := context.AfterFunc(ctx, s.gc.Close) // unblocks DESCRIBE/SETUP/PLAY and Wait
	defer func() {
		stop()
		s.gc.Close() // waits for gortsplib's goroutines: no callback runs after this
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
	}()

	u := &base.URL{Scheme: s.c.url.Scheme, Host: s.c.url.Host, Path: s.c.url.Path, RawQuery: s.c.url.RawQuery}
	if s.cfg.Username != "" {
		u.User = urlUser(s.cfg.Username, s.cfg.Password)
	}
	desc, _, err := s.gc.Describe(u)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return s.fail("describe", err, false)
	}
	if s.sel, err = selectTracks(desc); err != nil {
		return &Error{Op: s.c.op + ": describe " + s.c.redacted, Kind: media.ErrUnsupported, Msg: s.red.clean(err.Error())}
	}
	if err := s.setup(desc); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		var e *Error
		if errors.As(err, &e) {
			return e
		}
		return s.fail("setup", err, false)
	}
	s.start = time.Now()
	if _, err := s.gc.Play(nil); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return s.fail("play", err, false)
	}
	s.lastPacket.Store(int64(time.Since(s.start)))
	if s.ready != nil {
		s.ready()
	}
	// Packets may already be arriving: the callbacks replace s.info under mu.
	s.mu.Lock()
	videoCodec := s.info.Tracks[videoTrack].Codec
	s.mu.Unlock()
	s.log.Info("rtsp session playing",
		"video", videoCodec, "audio", s.audioCodec(), "transport", s.cfg.Transport)

	// The watchdog is a timer, not a goroutine: gc.Wait blocks this one, and
	// a silent stream closes gc from the timer's callback. A watchdog loop
	// here needed a second goroutine parked on Wait: one stack more per
	// camera, and a storm has 500 of them.
	period := max(s.cfg.ReadTimeout/4, 10*time.Millisecond)
	var (
		silence atomic.Pointer[Error]
		over    atomic.Bool
		dog     atomic.Pointer[time.Timer]
	)
	t := time.AfterFunc(time.Hour, func() {
		if over.Load() {
			return
		}
		if err := s.silent(); err != nil {
			silence.Store(err)
			s.gc.Close()
			return
		}
		dog.Load().Reset(period)
	})
	dog.Store(t)
	t.Reset(period)   // armed once stored: the callback finds it
	err = s.gc.Wait() // ends when gc closes: silence, ctx (AfterFunc above) or a failure
	over.Store(true)
	t.Stop()
	switch {
	case ctx.Err() != nil:
		return nil
	case silence.Load() != nil:
		return silence.Load()
	}
	return s.fail("play", err, true)
}

// setup SETUPs the chosen media and registers their packet callbacks
// (after SETUP, before PLAY, as gortsplib requires).
func (s *session) setup(desc *description.Session) error {
	v := &s.video
	switch f := s.sel.videoForma.(type) {
	case *format.H264:
		if f.PacketizationMode >= 2 {
			return &Error{Op: s.c.op + ": setup " + s.c.redacted, Kind: media.ErrUnsupported,
				Msg: "H.264: interleaved packetization mode is not supported"}
		}
		d := &h264Depacketizer{bufs: s.cfg.Buffers}
		v.decode, v.release = d.decode, d.release
		v.state.codec = media.H264
		v.state.setParams(nil, f.SPS, f.PPS)
	case *format.H265:
		dec, err := f.CreateDecoder()
		if err != nil {
			return &Error{Op: s.c.op + ": setup " + s.c.redacted, Kind: media.ErrUnsupported, Msg: "H.265: " + err.Error()}
		}
		v.decode = depacketizer(dec.Decode, rtph265.ErrMorePacketsNeeded, rtph265.ErrNonStartingPacketAndNoPrevious)
		v.state.codec = media.H265
		v.state.setParams(f.VPS, f.SPS, f.PPS)
	}
	v.asm = newAssembler(v.state.codec)
	v.asm.bufs = s.cfg.Buffers
	v.wall.clockRate = media.VideoClockRate
	if s.sel.audio != nil {
		a, err := newAudioPath(s.sel)
		if err != nil {
			s.log.Warn("audio track ignored", "err", s.red.clean(err.Error()))
		} else {
			s.audio = a
		}
	}
	s.info = s.newInfo()

	if _, err := s.gc.Setup(desc.BaseURL, s.sel.video, 0, 0); err != nil {
		return err
	}
	s.videoNTP = func(pt uint8, ts uint32) (time.Time, bool) {
		return s.gc.PacketNTP(s.sel.video, &rtp.Packet{Header: rtp.Header{PayloadType: pt, Timestamp: ts}})
	}
	s.gc.OnPacketRTP(s.sel.video, s.sel.videoForma, s.onVideo)
	if s.audio != nil {
		if _, err := s.gc.Setup(desc.BaseURL, s.sel.audio, 0, 0); err != nil {
			// Some cameras refuse a second medium over one transport:
			// video alone is still worth recording.
			s.log.Warn("audio setup failed; video only", "err", s.red.clean(err.Error()))
			s.audio = nil
			s.info = s.newInfo()
		} else {
			s.gc.OnPacketRTP(s.sel.audio, s.sel.audioForma, s.onAudio)
		}
	}
	return nil
}

// newInfo makes a StreamInfo for the current tracks. Called with mu held
// (or before PLAY).
func (s *session) newInfo() *media.StreamInfo {
	tracks := []media.Track{s.video.state.track()}
	if s.audio != nil {
		tracks = append(tracks, s.audio.track)
	}
	return &media.StreamInfo{CameraID: s.cfg.CameraID, Stream: s.cfg.Stream, Tracks: tracks}
}

func (s *session) audioCodec() media.Codec {
	if s.audio == nil {
		return ""
	}
	return s.audio.track.Codec
}

// listenPacket binds UDP listeners to the loopback address when the RTSP
// connection is on loopback, so that a local camera does not open ports on
// every interface.
func (s *session) listenPacket(network, address string) (net.PacketConn, error) {
	host, port, err := net.SplitHostPort(address)
	if err == nil && host == "" {
		if nc := s.gc.NetConn(); nc != nil {
			if ta, ok := nc.LocalAddr().(*net.TCPAddr); ok && ta.IP.IsLoopback() {
				address = net.JoinHostPort(ta.IP.String(), port)
			}
		}
	}
	pc, err := net.ListenPacket(network, address)
	if err != nil || s.cfg.CheckAddr == nil {
		return pc, err
	}
	uc, ok := pc.(*net.UDPConn)
	if !ok {
		pc.Close()
		return nil, errors.New("rtsp: udp listener is not a UDP socket")
	}
	return checkedUDPConn{UDPConn: uc, s: s}, nil
}

// dial opens the RTSP connection, counting the bytes read on it. The
// resolved address passes Config.CheckAddr before connect.
func (s *session) dial(ctx context.Context, network, address string) (net.Conn, error) {
	if (s.cfg.Username != "" || s.cfg.Password != "") && !sameHostPort(address, s.c.url) {
		// gortsplib follows a redirect (3xx with Location) and carries the
		// URL's credentials along: they belong to the configured host only.
		return nil, errCredentialsOtherHost
	}
	d := net.Dialer{Resolver: s.cfg.Resolver}
	if s.cfg.CheckAddr != nil {
		d.ControlContext = s.control
	}
	nc, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	// A name with several addresses may have had one refused before
	// another, allowed, connected: that refusal is not why a later failure
	// happens.
	s.refused.Store(nil)
	return newCountingConn(nc, &s.heard, s.cfg.Buffers), nil
}

// errCredentialsOtherHost refuses to follow a camera's redirect to another
// host with its credentials.
var errCredentialsOtherHost = errors.New("the camera redirected to another host; its credentials are not sent there")

// sameHostPort reports whether address, a "host:port" gortsplib dials,
// is u's host and port (554 for rtsp, 322 for rtsps when u names none).
func sameHostPort(address string, u *url.URL) bool {
	port := u.Port()
	if port == "" {
		port = "554"
		if strings.EqualFold(u.Scheme, "rtsps") {
			port = "322"
		}
	}
	return strings.EqualFold(address, net.JoinHostPort(u.Hostname(), port))
}

func (s *session) decodeError(err error) {
	s.decErrs++
	if s.decErrs == 1 || s.decErrs%100 == 0 {
		s.log.Debug("rtp decode error", "count", s.decErrs, "err", s.red.clean(err.Error()))
	}
}

// silent reports ErrNoMedia when no video packet arrived for ReadTimeout.
func (s *session) silent() *Error {
	idle := time.Since(s.start) - time.Duration(s.lastPacket.Load())
	if idle < s.cfg.ReadTimeout {
		return nil
	}
	return &Error{Op: s.c.op + ": play " + s.c.redacted, Kind: media.ErrNoMedia,
		Msg: "no video packet for " + idle.Round(time.Millisecond).String()}
}

// depacketizer adapts a gortsplib RTP decoder so that it returns the NAL
// units of exactly one packet: the marker is forced on a copy of the packet
// header, which makes the decoder flush its own access-unit buffer on every
// packet. The assembler does the grouping, with the real marker.
// "Need more packets" answers become (nil, nil).
func depacketizer(dec func(*rtp.Packet) ([][]byte, error), more, nonStarting error) func(*rtp.Packet) ([][]byte, error) {
	return func(pkt *rtp.Packet) ([][]byte, error) {
		p := *pkt
		p.Marker = true
		nalus, err := dec(&p)
		if errors.Is(err, more) || errors.Is(err, nonStarting) {
			return nil, nil
		}
		return nalus, err
	}
}

func (s *session) onVideo(pkt *rtp.Packet) {
	s.lastPacket.Store(int64(time.Since(s.start)))
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	v := &s.video
	if v.seqSeen && pkt.SequenceNumber != v.nextSeq {
		v.asm.reset() // the picture in flight lost a packet
	}
	v.seqSeen, v.nextSeq, v.pt = true, pkt.SequenceNumber+1, pkt.PayloadType
	if v.release != nil {
		defer v.release()
	}
	nalus, err := v.decode(pkt)
	if err != nil {
		s.decodeError(err)
		v.asm.reset()
		return
	}
	if len(nalus) == 0 && !pkt.Marker {
		return
	}
	v.asm.push(nalus, pkt.Timestamp, pkt.Marker, s.emitVideo)
}

// emitVideo turns an assembled picture into a published unit. Called with
// mu held.
func (s *session) emitVideo(pic picture) {
	v := &s.video
	pts := v.pts.unwrap(pic.TS)
	vu, ok, err := v.state.picture(pic.NALUs, pts)
	if vu.ParamsChanged {
		s.info = s.newInfo()
		t := s.info.Tracks[videoTrack]
		s.log.Info("video parameters changed", "codec", t.Codec, "width", t.Width, "height", t.Height, "fps", t.FPS)
	}
	if err != nil {
		s.decodeError(err)
	}
	if !ok {
		return
	}
	ntp, ntpOK := s.videoNTP(v.pt, pic.TS)
	s.publish(&media.Unit{
		Info:  s.info,
		Track: videoTrack,
		PTS:   pts,
		DTS:   vu.DTS,
		Wall:  v.wall.at(pts, s.cfg.Now, ntp, ntpOK),
		Key:   vu.Key,
		NALUs: vu.NALUs,
	})
}

func (s *session) onAudio(pkt *rtp.Packet) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.audio == nil {
		return
	}
	a := s.audio
	frames, err := a.decode(pkt)
	if err != nil {
		s.decodeError(err)
		return
	}
	pts := a.pts.unwrap(pkt.Timestamp) // every packet, to follow wraps
	if len(frames) == 0 || !s.video.state.started {
		return // audio starts with the first video key
	}
	ntp, ntpOK := s.gc.PacketNTP(s.sel.audio, pkt)
	s.publish(&media.Unit{
		Info:    s.info,
		Track:   audioTrack,
		PTS:     pts,
		DTS:     pts,
		Wall:    a.wall.at(pts, s.cfg.Now, ntp, ntpOK),
		Payload: cloneNALUs(frames),
	})
}
