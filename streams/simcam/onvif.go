package simcam

import (
	"context"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ONVIFConfig turns on the simulated camera's ONVIF device: the device
// and media services over HTTP, and optionally a WS-Discovery responder.
// It serves one device whose video profiles are the server's cameras:
// "main" streams camera 1 and, when there are two or more cameras, "sub"
// streams camera 2 (give camera 2 a smaller size to model a sub stream);
// further cameras are further profiles.
type ONVIFConfig struct {
	// Addr is the HTTP listen address, e.g. "127.0.0.1:0".
	Addr string
	// DiscoveryAddr, when set, is a UDP address the WS-Discovery
	// responder listens on for unicast probes (e.g. "127.0.0.1:0").
	DiscoveryAddr string
	// DiscoveryMulticast, when set, names the interface on which the
	// responder joins WS-Discovery's group 239.255.255.250:3702.
	DiscoveryMulticast string
	// Manufacturer, Model, Firmware and Serial are GetDeviceInformation's
	// answers (defaults: Hearth, simcam, 1.0, the first camera's ID).
	Manufacturer, Model, Firmware, Serial string
	// ClockOffset puts the device's clock this far from Now, to prove a
	// client signs with the device's time rather than its own.
	ClockOffset time.Duration
	// PersonEvery, when positive, scripts a person detection on the
	// events service (PersonTopic): present, then gone, at this interval.
	PersonEvery time.Duration
	// NoPullPoint models a camera without a pull point: the events
	// service says WSPullPointSupport false and answers
	// CreatePullPointSubscription with a fault, so a recorder must
	// subscribe with base notification (wsnt:Subscribe) and be pushed to.
	NoPullPoint bool
}

// onvifDevice serves ONVIF for a Server.
type onvifDevice struct {
	s         *Server
	cfg       ONVIFConfig
	ln        net.Listener
	http      *http.Server
	udp       []*net.UDPConn
	endpoint  string // urn:uuid of the device, stable for the server's life
	maxSkew   time.Duration
	maxBodyIn int64
	pp        pullPoints
	ptz       ptzHead
	// ctx is run's: the pushers of base subscriptions (onvif_push.go)
	// live under it, counted by pushers; set before serving starts.
	ctx     context.Context
	pushers sync.WaitGroup
}

// openONVIF binds the device's listeners; serving starts with Run.
func (s *Server) openONVIF(cfg ONVIFConfig) error {
	if cfg.Manufacturer == "" {
		cfg.Manufacturer = "Hearth"
	}
	if cfg.Model == "" {
		cfg.Model = "simcam"
	}
	if cfg.Firmware == "" {
		cfg.Firmware = "1.0"
	}
	if cfg.Serial == "" {
		cfg.Serial = s.feeds[0].cam.ID()
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("onvif: %w", err)
	}
	d := &onvifDevice{s: s, cfg: cfg, ln: ln, endpoint: "urn:uuid:" + uuidOf(cfg.Serial),
		maxSkew: 5 * time.Minute, maxBodyIn: 64 << 10, pp: pullPoints{subs: map[string]*subscription{}}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /onvif/device_service", d.serve)
	mux.HandleFunc("POST /onvif/media_service", d.serve)
	mux.HandleFunc("POST /onvif/events_service", d.serve)
	mux.HandleFunc("POST /onvif/ptz_service", d.serve)
	mux.HandleFunc("POST /onvif/pullpoint/{id}", d.serve)
	mux.HandleFunc("POST /onvif/subscription/{id}", d.serve)
	// ReadTimeout outlasts a PullMessages long poll (maxPullWait).
	d.http = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: maxPullWait + 10*time.Second}
	s.onvif = d
	for _, f := range s.feeds {
		if f.cam.file == nil { // a looped file has no scene to move
			view := d.viewOffset
			f.cam.view.Store(&view)
		}
	}
	if cfg.DiscoveryAddr != "" {
		a, err := net.ResolveUDPAddr("udp", cfg.DiscoveryAddr)
		if err == nil {
			var c *net.UDPConn
			if c, err = net.ListenUDP("udp", a); err == nil {
				d.udp = append(d.udp, c)
			}
		}
		if err != nil {
			d.close()
			return fmt.Errorf("onvif discovery: %w", err)
		}
	}
	if cfg.DiscoveryMulticast != "" {
		ifi, err := net.InterfaceByName(cfg.DiscoveryMulticast)
		var c *net.UDPConn
		if err == nil {
			c, err = net.ListenMulticastUDP("udp4", ifi, &net.UDPAddr{IP: net.IPv4(239, 255, 255, 250), Port: 3702})
		}
		if err != nil {
			d.close()
			return fmt.Errorf("onvif discovery on %s: %w", cfg.DiscoveryMulticast, err)
		}
		d.udp = append(d.udp, c)
	}
	return nil
}

// uuidOf shapes a stable UUID from text (the serial number).
func uuidOf(s string) string {
	h := sha1.Sum([]byte(s))
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// ONVIFAddr returns the ONVIF device's HTTP address (host:port), or ""
// without ONVIF.
func (s *Server) ONVIFAddr() string {
	if s.onvif == nil {
		return ""
	}
	return s.onvif.ln.Addr().String()
}

// DiscoveryAddr returns the unicast WS-Discovery responder's address, or "".
func (s *Server) DiscoveryAddr() string {
	if s.onvif == nil || s.onvif.cfg.DiscoveryAddr == "" {
		return ""
	}
	return s.onvif.udp[0].LocalAddr().String()
}

// run serves until ctx ends; the listeners close with close.
func (d *onvifDevice) run(ctx context.Context) {
	stop := context.AfterFunc(ctx, d.close)
	defer stop()
	d.ctx = ctx
	defer func() {
		// No pusher starts once pp.closed is set (under the same lock as
		// their start), so the wait below is the last word.
		d.pp.mu.Lock()
		d.pp.closed = true
		d.pp.mu.Unlock()
		d.pushers.Wait()
	}()
	done := make(chan struct{})
	for _, c := range d.udp {
		d.s.wg.Go(func() { d.respond(c) })
	}
	d.s.wg.Go(func() { d.script(ctx) })
	go func() { defer close(done); _ = d.http.Serve(d.ln) }()
	<-ctx.Done()
	<-done
}

func (d *onvifDevice) close() {
	_ = d.http.Close()
	_ = d.ln.Close()
	for _, c := range d.udp {
		_ = c.Close()
	}
}

// now is the device's clock.
func (d *onvifDevice) now() time.Time { return d.s.cfg.Now().Add(d.cfg.ClockOffset) }

// request is what the device reads of a SOAP request.
type request struct {
	Header struct {
		Security struct {
			Token struct {
				Username string `xml:"Username"`
				Password struct {
					Type  string `xml:"Type,attr"`
					Value string `xml:",chardata"`
				} `xml:"Password"`
				Nonce   string `xml:"Nonce"`
				Created string `xml:"Created"`
			} `xml:"UsernameToken"`
		} `xml:"Security"`
	} `xml:"Header"`
	Body struct {
		Op struct {
			XMLName                xml.Name
			ProfileToken           string `xml:"ProfileToken"`
			InitialTerminationTime string `xml:"InitialTerminationTime"`
			ConsumerAddress        string `xml:"ConsumerReference>Address"`
			TerminationTime        string `xml:"TerminationTime"`
			Timeout                string `xml:"Timeout"`
			MessageLimit           string `xml:"MessageLimit"`
		} `xml:",any"`
	} `xml:"Body"`
}

func (d *onvifDevice) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, d.maxBodyIn))
	if err != nil {
		d.fault(w, http.StatusRequestEntityTooLarge, "env:Sender", "ter:InvalidArgVal", "request too large")
		return
	}
	var req request
	if err := xml.Unmarshal(body, &req); err != nil {
		d.fault(w, http.StatusBadRequest, "env:Sender", "ter:WellFormed", "malformed request")
		return
	}
	op := req.Body.Op.XMLName.Local
	if op != "GetSystemDateAndTime" && !d.authorized(&req) {
		d.fault(w, http.StatusBadRequest, "env:Sender", "ter:NotAuthorized", "Sender not Authorized")
		return
	}
	host := r.Host
	if r.URL.Path == "/onvif/ptz_service" {
		var preq struct {
			Body struct {
				Op ptzRequest `xml:",any"`
			} `xml:"Body"`
		}
		_ = xml.Unmarshal(body, &preq) // well-formed: checked above
		if !d.servePTZ(w, op, preq.Body.Op) {
			d.fault(w, http.StatusBadRequest, "env:Receiver", "ter:ActionNotSupported", "optional action not implemented")
		}
		return
	}
	if id := r.PathValue("id"); id != "" {
		switch op {
		case "PullMessages":
			d.pull(w, r, id, req.Body.Op.Timeout, req.Body.Op.MessageLimit)
		case "Renew":
			d.renew(w, id, req.Body.Op.TerminationTime)
		case "Unsubscribe":
			d.unsubscribe(w, id)
		default:
			d.fault(w, http.StatusBadRequest, "env:Receiver", "ter:ActionNotSupported", "optional action not implemented")
		}
		return
	}
	var answer string
	switch op {
	case "CreatePullPointSubscription":
		if d.cfg.NoPullPoint {
			d.fault(w, http.StatusBadRequest, "env:Receiver", "ter:ActionNotSupported", "no pull point on this device")
			return
		}
		d.createPullPoint(w, host, req.Body.Op.InitialTerminationTime)
		return
	case "Subscribe":
		d.subscribe(w, host, req.Body.Op.ConsumerAddress, req.Body.Op.InitialTerminationTime)
		return
	case "GetServiceCapabilities":
		if r.URL.Path != "/onvif/events_service" {
			d.fault(w, http.StatusBadRequest, "env:Receiver", "ter:ActionNotSupported", "optional action not implemented")
			return
		}
		answer = `<tev:GetServiceCapabilitiesResponse><tev:Capabilities WSSubscriptionPolicySupport="false" WSPullPointSupport="` +
			strconv.FormatBool(!d.cfg.NoPullPoint) + `" WSPausableSubscriptionManagerInterfaceSupport="false" MaxNotificationProducers="` +
			strconv.Itoa(maxSubscriptions) + `" MaxPullPoints="` + strconv.Itoa(maxSubscriptions) + `"/></tev:GetServiceCapabilitiesResponse>`
	case "GetSystemDateAndTime":
		t := d.now().UTC()
		answer = `<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>` +
			`<tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone><tt:UTCDateTime>` + xmlDateTime(t) + `</tt:UTCDateTime><tt:LocalDateTime>` + xmlDateTime(t) +
			`</tt:LocalDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`
	case "GetDeviceInformation":
		answer = `<tds:GetDeviceInformationResponse><tds:Manufacturer>` + esc(d.cfg.Manufacturer) + `</tds:Manufacturer><tds:Model>` + esc(d.cfg.Model) +
			`</tds:Model><tds:FirmwareVersion>` + esc(d.cfg.Firmware) + `</tds:FirmwareVersion><tds:SerialNumber>` + esc(d.cfg.Serial) +
			`</tds:SerialNumber><tds:HardwareId>simcam</tds:HardwareId></tds:GetDeviceInformationResponse>`
	case "GetCapabilities":
		answer = `<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Device><tt:XAddr>http://` + esc(host) + `/onvif/device_service</tt:XAddr></tt:Device>` +
			`<tt:Media><tt:XAddr>http://` + esc(host) + `/onvif/media_service</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast>` +
			`<tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>` +
			`<tt:Events><tt:XAddr>http://` + esc(host) + `/onvif/events_service</tt:XAddr><tt:WSSubscriptionPolicySupport>false</tt:WSSubscriptionPolicySupport>` +
			`<tt:WSPullPointSupport>` + strconv.FormatBool(!d.cfg.NoPullPoint) + `</tt:WSPullPointSupport><tt:WSPausableSubscriptionManagerInterfaceSupport>false</tt:WSPausableSubscriptionManagerInterfaceSupport></tt:Events>` +
			`<tt:PTZ><tt:XAddr>http://` + esc(host) + `/onvif/ptz_service</tt:XAddr></tt:PTZ></tds:Capabilities></tds:GetCapabilitiesResponse>`
	case "GetServices":
		answer = `<tds:GetServicesResponse>` + service("http://www.onvif.org/ver10/device/wsdl", host, "/onvif/device_service") +
			service("http://www.onvif.org/ver10/media/wsdl", host, "/onvif/media_service") +
			service("http://www.onvif.org/ver10/events/wsdl", host, "/onvif/events_service") +
			service("http://www.onvif.org/ver20/ptz/wsdl", host, "/onvif/ptz_service") + `</tds:GetServicesResponse>`
	case "GetVideoSources":
		answer = `<trt:GetVideoSourcesResponse>`
		for i, f := range d.s.feeds {
			c := f.cam.Config()
			answer += `<trt:VideoSources token="source_` + strconv.Itoa(i+1) + `"><tt:Framerate>` + strconv.Itoa(c.FPS) + `</tt:Framerate><tt:Resolution><tt:Width>` +
				strconv.Itoa(c.Width) + `</tt:Width><tt:Height>` + strconv.Itoa(c.Height) + `</tt:Height></tt:Resolution></trt:VideoSources>`
		}
		answer += `</trt:GetVideoSourcesResponse>`
	case "GetProfiles":
		answer = `<trt:GetProfilesResponse>`
		for i := range d.s.feeds {
			answer += d.profile(i, "Profiles")
		}
		answer += `</trt:GetProfilesResponse>`
	case "GetProfile":
		i, ok := d.profileIndex(req.Body.Op.ProfileToken)
		if !ok {
			d.fault(w, http.StatusBadRequest, "env:Sender", "ter:NoProfile", "no such profile")
			return
		}
		answer = `<trt:GetProfileResponse>` + d.profile(i, "Profile") + `</trt:GetProfileResponse>`
	case "GetStreamUri":
		i, ok := d.profileIndex(req.Body.Op.ProfileToken)
		if !ok {
			d.fault(w, http.StatusBadRequest, "env:Sender", "ter:NoProfile", "no such profile")
			return
		}
		answer = `<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>` + esc(d.s.URL(i+1)) + `</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>` +
			`<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetStreamUriResponse>`
	default:
		d.fault(w, http.StatusBadRequest, "env:Receiver", "ter:ActionNotSupported", "optional action not implemented")
		return
	}
	writeSOAP(w, http.StatusOK, answer)
}

// profileNames name the profiles: the first two are a camera's usual main
// and sub streams.
func profileName(i int) string {
	switch i {
	case 0:
		return "main"
	case 1:
		return "sub"
	}
	return "cam" + strconv.Itoa(i+1)
}

func (d *onvifDevice) profileIndex(token string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(token), "profile_"))
	if err != nil || n < 1 || n > len(d.s.feeds) || !strings.HasPrefix(strings.TrimSpace(token), "profile_") {
		return 0, false
	}
	return n - 1, true
}

func (d *onvifDevice) profile(i int, elem string) string {
	c := d.s.feeds[i].cam.Config()
	enc := "H264"
	if f := d.s.feeds[i].cam.file; f != nil && strings.Contains(fmt.Sprintf("%T", f.format()), "H265") {
		enc = "H265"
	}
	n := strconv.Itoa(i + 1)
	return `<trt:` + elem + ` token="profile_` + n + `" fixed="true"><tt:Name>` + profileName(i) + `</tt:Name>` +
		`<tt:VideoSourceConfiguration token="vsc_` + n + `"><tt:Name>source ` + n + `</tt:Name><tt:UseCount>1</tt:UseCount><tt:SourceToken>source_` + n +
		`</tt:SourceToken><tt:Bounds x="0" y="0" width="` + strconv.Itoa(c.Width) + `" height="` + strconv.Itoa(c.Height) + `"/></tt:VideoSourceConfiguration>` +
		`<tt:VideoEncoderConfiguration token="vec_` + n + `"><tt:Name>encoder ` + n + `</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>` + enc + `</tt:Encoding>` +
		`<tt:Resolution><tt:Width>` + strconv.Itoa(c.Width) + `</tt:Width><tt:Height>` + strconv.Itoa(c.Height) + `</tt:Height></tt:Resolution>` +
		`<tt:Quality>5</tt:Quality><tt:RateControl><tt:FrameRateLimit>` + strconv.Itoa(c.FPS) + `</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval>` +
		`<tt:BitrateLimit>2048</tt:BitrateLimit></tt:RateControl><tt:H264><tt:GovLength>` + strconv.Itoa(c.GOP) + `</tt:GovLength><tt:H264Profile>Baseline</tt:H264Profile></tt:H264>` +
		`<tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration>` +
		`<tt:PTZConfiguration token="ptz_1"><tt:Name>head</tt:Name><tt:UseCount>` + strconv.Itoa(len(d.s.feeds)) + `</tt:UseCount><tt:NodeToken>node_1</tt:NodeToken></tt:PTZConfiguration></trt:` + elem + `>`
}

// authorized checks the request's UsernameToken: a PasswordDigest of the
// server's credentials, created within maxSkew of the device's clock.
// Without configured credentials every request is authorized.
func (d *onvifDevice) authorized(req *request) bool {
	if d.s.cfg.Username == "" {
		return true
	}
	tok := req.Header.Security.Token
	if tok.Username != d.s.cfg.Username || !strings.HasSuffix(tok.Password.Type, "#PasswordDigest") {
		return false
	}
	created, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(tok.Created))
	if err != nil {
		return false
	}
	if skew := created.Sub(d.now()); skew > d.maxSkew || skew < -d.maxSkew {
		return false
	}
	nonce, err := base64.StdEncoding.DecodeString(strings.TrimSpace(tok.Nonce))
	if err != nil {
		return false
	}
	h := sha1.New()
	h.Write(nonce)
	h.Write([]byte(strings.TrimSpace(tok.Created)))
	h.Write([]byte(d.s.cfg.Password))
	want := base64.StdEncoding.EncodeToString(h.Sum(nil))
	return subtle.ConstantTimeCompare([]byte(want), []byte(strings.TrimSpace(tok.Password.Value))) == 1
}

func service(ns, host, path string) string {
	return `<tds:Service><tds:Namespace>` + ns + `</tds:Namespace><tds:XAddr>http://` + esc(host) + path +
		`</tds:XAddr><tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>`
}

func xmlDateTime(t time.Time) string {
	return fmt.Sprintf("<tt:Time><tt:Hour>%d</tt:Hour><tt:Minute>%d</tt:Minute><tt:Second>%d</tt:Second></tt:Time>"+
		"<tt:Date><tt:Year>%d</tt:Year><tt:Month>%d</tt:Month><tt:Day>%d</tt:Day></tt:Date>",
		t.Hour(), t.Minute(), t.Second(), t.Year(), int(t.Month()), t.Day())
}

const soapOpen = `<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"` +
	` xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:tds="http://www.onvif.org/ver10/device/wsdl"` +
	` xmlns:trt="http://www.onvif.org/ver10/media/wsdl" xmlns:ter="http://www.onvif.org/ver10/error"` +
	` xmlns:tev="http://www.onvif.org/ver10/events/wsdl" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"` +
	` xmlns:wsa5="http://www.w3.org/2005/08/addressing" xmlns:tns1="http://www.onvif.org/ver10/topics"` +
	` xmlns:tptz="http://www.onvif.org/ver20/ptz/wsdl"><env:Body>`

func writeSOAP(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/soap+xml; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, soapOpen+body+`</env:Body></env:Envelope>`)
}

func (d *onvifDevice) fault(w http.ResponseWriter, status int, code, sub, reason string) {
	writeSOAP(w, status, `<env:Fault><env:Code><env:Value>`+code+`</env:Value><env:Subcode><env:Value>`+sub+
		`</env:Value></env:Subcode></env:Code><env:Reason><env:Text xml:lang="en">`+esc(reason)+`</env:Text></env:Reason></env:Fault>`)
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// respond answers WS-Discovery probes on c until c is closed. Each
// datagram is read into a bounded buffer; answers go to the sender.
func (d *onvifDevice) respond(c *net.UDPConn) {
	buf := make([]byte, 64<<10)
	for {
		n, from, err := c.ReadFromUDP(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		var probe struct {
			Header struct {
				MessageID string `xml:"MessageID"`
			} `xml:"Header"`
			Body struct {
				Probe *struct {
					Types string `xml:"Types"`
				} `xml:"Probe"`
			} `xml:"Body"`
		}
		if xml.Unmarshal(buf[:n], &probe) != nil || probe.Body.Probe == nil {
			continue
		}
		if t := probe.Body.Probe.Types; t != "" && !strings.Contains(t, "NetworkVideoTransmitter") && !strings.Contains(t, "Device") {
			continue
		}
		xaddr := "http://" + d.xaddrHost(from) + "/onvif/device_service"
		msg := `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"` +
			` xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"` +
			` xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><s:Header><a:MessageID>urn:uuid:` + uuidOf(d.endpoint+probe.Header.MessageID) +
			`</a:MessageID><a:RelatesTo>` + esc(strings.TrimSpace(probe.Header.MessageID)) + `</a:RelatesTo>` +
			`<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To><a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</a:Action>` +
			`</s:Header><s:Body><d:ProbeMatches><d:ProbeMatch><a:EndpointReference><a:Address>` + d.endpoint + `</a:Address></a:EndpointReference>` +
			`<d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/name/` +
			esc(strings.ReplaceAll(d.cfg.Manufacturer, " ", "%20")) + ` onvif://www.onvif.org/hardware/` + esc(strings.ReplaceAll(d.cfg.Model, " ", "%20")) +
			`</d:Scopes><d:XAddrs>` + esc(xaddr) + `</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>`
		_, _ = c.WriteToUDP([]byte(msg), from)
	}
}

// xaddrHost is the device's HTTP address as the prober can reach it: the
// listen port on the address the probe arrived at when the listener is
// bound to all addresses.
func (d *onvifDevice) xaddrHost(from *net.UDPAddr) string {
	a := d.ln.Addr().(*net.TCPAddr)
	if !a.IP.IsUnspecified() {
		return a.String()
	}
	// A connected UDP socket sends nothing; it only asks the kernel which
	// local address routes to the prober.
	if c, err := net.DialUDP("udp", nil, from); err == nil {
		defer c.Close()
		return net.JoinHostPort(c.LocalAddr().(*net.UDPAddr).IP.String(), strconv.Itoa(a.Port))
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(a.Port))
}
