// Package webrtctest is a pure-Go WebRTC viewer for tests and benchmarks:
// it offers to receive H.264 (and audio), reassembles every picture from the
// RTP packets and reads the camera ID from each picture's SEI stamp, so a
// test can prove that every frame came from the camera it asked for.
package webrtctest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hearthnvr/hearth/streams/sei"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
)

// Options configure a Client.
type Options struct {
	// WantID is the camera ID every frame must carry; frames with another
	// (or no) stamp count as Stats.WrongID.
	WantID string
	// Audio adds an audio receiver to the offer.
	Audio bool
	// DataChannel opens a data channel named "control" before the offer.
	DataChannel bool
	// TCPOnly offers ICE over TCP only.
	TCPOnly bool
	// NoNACK turns off retransmission requests (and the other default
	// interceptors): a benchmark's viewers then cost the server only the
	// fan-out, whatever their own CPU starvation loses.
	NoNACK bool
	// Lite makes the client an ICE-lite agent on UDP: it never sends
	// connectivity checks, so the server reaches it only through the
	// candidates it was given (a trickle ICE test: see OfferTrickle).
	Lite bool
}

// Stats are counters of what a Client received.
type Stats struct {
	Frames     int       // pictures complete and checked
	Keyframes  int       // of them, with an IDR slice
	WrongID    int       // pictures whose SEI stamp is missing or of another camera
	Lost       int       // pictures with a sequence gap (not checked)
	Packets    int       // video RTP packets
	VideoCodec string    // MIME type of the video track received ("video/H264"), "" before any
	Audio      int       // audio RTP packets
	AudioCodec string    // MIME type of the audio track received ("audio/PCMU"), "" before any
	AudioBytes int64     // audio RTP payload bytes
	Bytes      int64     // video RTP payload bytes
	FirstFrame time.Time // when the first complete picture arrived
	LastFrame  uint64    // SEI frame counter of the latest picture
	LastID     string    // SEI camera ID of the latest picture
}

// Client is one receiving peer connection.
type Client struct {
	PC   *webrtc.PeerConnection
	DC   *webrtc.DataChannel
	opts Options
	mux  *ice.UDPMuxDefault

	mu    sync.Mutex
	stats Stats
	notes chan struct{} // a frame arrived (1 token)

	candMu   sync.Mutex
	cands    []string        // gathered after OfferTrickle, "candidate:..." values
	gathered <-chan struct{} // closed when OfferTrickle's gathering completed

	stalled atomic.Bool
	closed  chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
}

// New returns a client whose ICE is limited to loopback.
func New(opts Options) (*Client, error) {
	var se webrtc.SettingEngine
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() && ip.To4() != nil })
	se.SetIncludeLoopbackCandidate(true)
	// One UDP socket with a receive buffer as large as a browser's, so a
	// burst (the cached GOP) is not lost while this goroutine waits for a
	// busy CPU.
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	_ = conn.SetReadBuffer(4 << 20)
	udpMux := ice.NewUDPMuxDefault(ice.UDPMuxParams{UDPConn: conn})
	se.SetICEUDPMux(udpMux)
	switch {
	case opts.Lite:
		se.SetLite(true)
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	case opts.TCPOnly:
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeTCP4})
	default:
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeTCP4})
	}
	fail := func(err error) (*Client, error) {
		_ = udpMux.Close()
		return nil, err
	}
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return fail(err)
	}
	ir := &interceptor.Registry{}
	if !opts.NoNACK {
		if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
			return fail(err)
		}
	}
	api := webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return fail(err)
	}
	c := &Client{PC: pc, opts: opts, mux: udpMux, notes: make(chan struct{}, 1), closed: make(chan struct{})}
	recv := webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, recv); err != nil {
		_ = pc.Close()
		return fail(err)
	}
	if opts.Audio {
		if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, recv); err != nil {
			_ = pc.Close()
			return fail(err)
		}
	}
	if opts.DataChannel {
		if c.DC, err = pc.CreateDataChannel("control", nil); err != nil {
			_ = pc.Close()
			return fail(err)
		}
	}
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			if t.Kind() == webrtc.RTPCodecTypeVideo {
				c.readVideo(t)
			} else {
				c.readAudio(t)
			}
		}()
	})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateClosed || s == webrtc.PeerConnectionStateFailed {
			c.markClosed()
		}
	})
	return c, nil
}

func (c *Client) markClosed() { c.once.Do(func() { close(c.closed) }) }

// Offer creates the offer, with every candidate (no trickle).
func (c *Client) Offer() (string, error) {
	offer, err := c.PC.CreateOffer(nil)
	if err != nil {
		return "", err
	}
	gathered := webrtc.GatheringCompletePromise(c.PC)
	if err := c.PC.SetLocalDescription(offer); err != nil {
		return "", err
	}
	select {
	case <-gathered:
	case <-time.After(5 * time.Second):
		return "", errors.New("gathering timed out")
	}
	return c.PC.LocalDescription().SDP, nil
}

// Answer applies the server's answer.
func (c *Client) Answer(sdp string) error {
	return c.PC.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp})
}

// OfferTrickle creates the offer without waiting for ICE gathering: it
// carries no candidates. The candidates gathered afterwards are kept for
// TrickleFragment.
func (c *Client) OfferTrickle() (string, error) {
	c.PC.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand == nil {
			return // gathering complete
		}
		c.candMu.Lock()
		c.cands = append(c.cands, cand.ToJSON().Candidate)
		c.candMu.Unlock()
	})
	offer, err := c.PC.CreateOffer(nil)
	if err != nil {
		return "", err
	}
	c.gathered = webrtc.GatheringCompletePromise(c.PC)
	if err := c.PC.SetLocalDescription(offer); err != nil {
		return "", err
	}
	return offer.SDP, nil
}

// TrickleFragment waits (at most timeout) until gathering is complete and
// returns the candidates gathered since OfferTrickle as an
// application/trickle-ice-sdpfrag body (RFC 8840): the offer's ice-ufrag
// and ice-pwd, the first media section, its candidates and
// a=end-of-candidates.
func (c *Client) TrickleFragment(timeout time.Duration) (string, error) {
	if c.gathered == nil {
		return "", errors.New("no OfferTrickle")
	}
	select {
	case <-c.gathered:
	case <-time.After(timeout):
		return "", errors.New("gathering timed out")
	}
	var ufrag, pwd, mid string
	for _, line := range strings.Split(c.PC.LocalDescription().SDP, "\n") {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, "a=ice-ufrag:"); ok && ufrag == "" {
			ufrag = v
		}
		if v, ok := strings.CutPrefix(line, "a=ice-pwd:"); ok && pwd == "" {
			pwd = v
		}
		if v, ok := strings.CutPrefix(line, "a=mid:"); ok && mid == "" {
			mid = v
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\nm=video 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:%s\r\n", ufrag, pwd, mid)
	c.candMu.Lock()
	for _, cand := range c.cands {
		fmt.Fprintf(&b, "a=%s\r\n", cand)
	}
	n := len(c.cands)
	c.candMu.Unlock()
	if n == 0 {
		return "", errors.New("no candidates gathered")
	}
	b.WriteString("a=end-of-candidates\r\n")
	return b.String(), nil
}

// Posted is the server's answer to an offer.
type Posted struct {
	Status      int
	Location    string
	ETag        string
	AcceptPatch string
	Body        string // the SDP answer, or the error body
	Header      http.Header
}

// Post sends offer to url with the given headers (a cookie or bearer
// token) and applies a 201 answer.
func (c *Client) Post(ctx context.Context, hc *http.Client, url string, hdr http.Header, offer string) (Posted, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(offer))
	if err != nil {
		return Posted{}, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/sdp")
	resp, err := hc.Do(req)
	if err != nil {
		return Posted{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	p := Posted{Status: resp.StatusCode, Body: string(b), Header: resp.Header}
	if resp.StatusCode != http.StatusCreated {
		return p, nil
	}
	p.Location, p.ETag, p.AcceptPatch = resp.Header.Get("Location"), resp.Header.Get("ETag"), resp.Header.Get("Accept-Patch")
	if err := c.Answer(p.Body); err != nil {
		return p, fmt.Errorf("apply answer: %w", err)
	}
	return p, nil
}

// WHEP posts the offer (every candidate in it) to url with the given
// headers and applies a 201 answer. It returns the status, the Location and
// the body of any other answer.
func (c *Client) WHEP(ctx context.Context, hc *http.Client, url string, hdr http.Header) (status int, location, body string, err error) {
	offer, err := c.Offer()
	if err != nil {
		return 0, "", "", err
	}
	p, err := c.Post(ctx, hc, url, hdr, offer)
	return p.Status, p.Location, p.Body, err
}

// Stats returns a copy of the counters.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// Closed is closed when the peer connection closed or failed (the server
// ended the session).
func (c *Client) Closed() <-chan struct{} { return c.closed }

// WaitFrames waits until at least n pictures were checked, or the timeout.
func (c *Client) WaitFrames(n int, timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		if s := c.Stats(); s.Frames >= n {
			return nil
		}
		select {
		case <-c.notes:
		case <-c.closed:
			return fmt.Errorf("session closed after %d frames", c.Stats().Frames)
		case <-deadline.C:
			return fmt.Errorf("%d frames after %v, want %d", c.Stats().Frames, timeout, n)
		}
	}
}

// Stall makes the client stop reading its tracks: a viewer whose network or
// machine stopped taking packets.
func (c *Client) Stall() { c.stalled.Store(true) }

// Close closes the peer connection and waits for the readers.
func (c *Client) Close() {
	_ = c.PC.Close()
	c.markClosed()
	c.wg.Wait()
	_ = c.mux.Close()
}

// readVideo reassembles pictures (packets up to the marker bit) and checks
// each one's SEI stamp.
func (c *Client) readVideo(t *webrtc.TrackRemote) {
	mime := t.Codec().MimeType
	h265 := strings.EqualFold(mime, webrtc.MimeTypeH265)
	var depack interface {
		Unmarshal([]byte) ([]byte, error)
	} = &codecs.H264Packet{}
	if h265 {
		depack = &codecs.H265Depacketizer{}
	}
	c.mu.Lock()
	c.stats.VideoCodec = mime
	c.mu.Unlock()
	var (
		annexb  []byte
		lastSeq uint16
		started bool
		gap     bool
	)
	for {
		if c.stalled.Load() {
			select {
			case <-c.closed:
				return
			case <-time.After(50 * time.Millisecond):
				continue
			}
		}
		p, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		if started && p.SequenceNumber != lastSeq+1 {
			gap = true
		}
		started, lastSeq = true, p.SequenceNumber
		c.mu.Lock()
		c.stats.Packets++
		c.stats.Bytes += int64(len(p.Payload))
		c.mu.Unlock()
		if out, err := depack.Unmarshal(p.Payload); err == nil {
			annexb = append(annexb, out...)
		}
		if !p.Marker {
			continue
		}
		c.frame(annexb, gap, h265)
		annexb, gap = annexb[:0], false
	}
}

func (c *Client) frame(annexb []byte, gap, h265 bool) {
	nalus := bytes.Split(annexb, []byte{0, 0, 0, 1})
	key := false
	for _, n := range nalus {
		switch {
		case len(n) == 0:
		case h265:
			if typ := n[0] >> 1 & 0x3f; typ >= 16 && typ <= 21 { // IRAP
				key = true
			}
		case n[0]&0x1f == 5:
			key = true
		}
	}
	c.mu.Lock()
	if gap {
		c.stats.Lost++
	} else {
		st, ok := sei.Find(nalus)
		if !ok || st.CameraID != c.opts.WantID {
			c.stats.WrongID++
		}
		c.stats.LastID, c.stats.LastFrame = st.CameraID, st.Frame
		c.stats.Frames++
		if key {
			c.stats.Keyframes++
		}
		if c.stats.FirstFrame.IsZero() {
			c.stats.FirstFrame = time.Now()
		}
	}
	c.mu.Unlock()
	select {
	case c.notes <- struct{}{}:
	default:
	}
}

func (c *Client) readAudio(t *webrtc.TrackRemote) {
	mime := t.Codec().MimeType
	for {
		p, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		c.mu.Lock()
		c.stats.Audio++
		c.stats.AudioCodec = mime
		c.stats.AudioBytes += int64(len(p.Payload))
		c.mu.Unlock()
	}
}

// WaitAudio waits until at least n audio packets arrived, or the timeout.
func (c *Client) WaitAudio(n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for c.Stats().Audio < n {
		if time.Now().After(deadline) {
			return fmt.Errorf("%d audio packets after %v, want %d", c.Stats().Audio, timeout, n)
		}
		select {
		case <-c.closed:
			return fmt.Errorf("session closed after %d audio packets", c.Stats().Audio)
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

// RequestKeyframe sends a picture-loss indication for the video track.
func (c *Client) RequestKeyframe() error {
	for _, tr := range c.PC.GetTransceivers() {
		if r := tr.Receiver(); r != nil && r.Track() != nil && r.Track().Kind() == webrtc.RTPCodecTypeVideo {
			return c.PC.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(r.Track().SSRC())}})
		}
	}
	return errors.New("no video track")
}
