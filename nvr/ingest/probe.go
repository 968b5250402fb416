package ingest

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/rtsp"
)

// ProbeTimeout bounds a connection test when the caller gives none.
const ProbeTimeout = 8 * time.Second

// ProbeRequest is a stream to test before (or after) saving a camera.
type ProbeRequest struct {
	URL       string // rtsp:// or rtsps://; credentials in it are split out
	Username  string // overrides credentials in the URL when set
	Password  nvr.Secret
	Transport nvr.Transport
	Timeout   time.Duration // 0: ProbeTimeout
	// LocalOK lets the test reach this appliance (the admin's tests). When
	// false the dial refuses this appliance's addresses (RefuseLocalAddr),
	// as the ingest does for a household's camera.
	LocalOK bool
	// Resolver resolves the host name (nil: net.DefaultResolver).
	Resolver *net.Resolver
}

// ProbeResult is what a successful test saw: the first keyframe's codec
// and picture size.
type ProbeResult struct {
	Codec  string
	Width  int
	Height int
	FPS    float64 // from the SPS when it says; else 0
}

// Probe failure classes, the Class of a *ProbeError.
const (
	ProbeAuth        = "auth"        // the camera refused the credentials
	ProbeUnreachable = "unreachable" // no connection, or no answer
	ProbeUnsupported = "unsupported" // no H.264/H.265 video
	ProbeNoVideo     = "no-video"    // connected, but no keyframe in time
	ProbeProtocol    = "protocol"    // the peer spoke broken RTSP
	ProbeRefused     = "refused"     // the address is this appliance's (LocalOK false)
)

// ProbeError is a failed test: a class and a message fit to show the user.
// It never holds the URL's credentials.
type ProbeError struct {
	Class string
	Msg   string
}

func (e *ProbeError) Error() string { return "probe camera: " + e.Class + ": " + e.Msg }

// ProbeCamera connects to one camera stream (DESCRIBE, SETUP, PLAY), waits
// for the first keyframe and hangs up, all within the timeout. An invalid
// request is a KindInvalid *Error; a failed connection a *ProbeError.
func ProbeCamera(ctx context.Context, req ProbeRequest) (ProbeResult, error) {
	u, err := nvr.ParseCameraURL(req.URL)
	if err != nil {
		return ProbeResult{}, err
	}
	if req.Username != "" || req.Password.IsSet() {
		u.Username, u.Password = req.Username, req.Password
	}
	tr, err := nvr.ParseTransport(string(req.Transport))
	if err != nil {
		return ProbeResult{}, err
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = ProbeTimeout
	}
	client, err := rtsp.New(rtsp.Config{CameraID: "probe", URL: u.URL, Username: u.Username,
		Password: u.Password.Reveal(), Transport: string(tr), ReadTimeout: timeout,
		CheckAddr: nvr.CheckAddrFor(req.LocalOK), Resolver: req.Resolver})
	if err != nil {
		return ProbeResult{}, nvr.Errorf("probe camera", nvr.KindInvalid, "camera URL is not usable")
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var (
		once sync.Once
		res  ProbeResult
		got  bool
	)
	runErr := client.Run(ctx, func(unit *media.Unit) {
		v := unit.Info.Video()
		if v < 0 || unit.Track != v || !unit.Key {
			return
		}
		once.Do(func() {
			t := unit.Info.Tracks[v]
			res = ProbeResult{Codec: string(t.Codec), Width: t.Width, Height: t.Height, FPS: t.FPS}
			got = true
			cancel() // Run returns once publish is done; got is read after it
		})
	})
	if got {
		return res, nil
	}
	return ProbeResult{}, probeError(runErr, ctx.Err())
}

func probeError(err, ctxErr error) error {
	var re *rtsp.Error
	switch {
	case errors.Is(err, rtsp.ErrAddrRefused):
		return &ProbeError{Class: ProbeRefused, Msg: nvr.ErrLocalCameraAddr.Error()}
	case errors.Is(err, media.ErrAuth):
		return &ProbeError{Class: ProbeAuth, Msg: "the camera refused the user name or password"}
	case errors.Is(err, media.ErrUnsupported):
		msg := "the camera sends no H.264 or H.265 video"
		if errors.As(err, &re) && re.Msg != "" {
			msg += " (" + re.Msg + ")" // already redacted by the client
		}
		return &ProbeError{Class: ProbeUnsupported, Msg: msg}
	case errors.Is(err, media.ErrNoMedia):
		return &ProbeError{Class: ProbeNoVideo, Msg: "connected, but no video arrived"}
	case errors.Is(err, media.ErrNotFound):
		// The camera answered, but has nothing at this path: a mistyped
		// or another model's path, which "does not speak RTSP" hid.
		return &ProbeError{Class: ProbeProtocol, Msg: "the camera answered but has no stream at this path: check the part of the URL after the address (its manual names it)"}
	case errors.Is(err, media.ErrProtocol):
		return &ProbeError{Class: ProbeProtocol, Msg: "the device does not speak RTSP as expected"}
	case errors.Is(err, media.ErrUnreachable):
		return &ProbeError{Class: ProbeUnreachable, Msg: "could not connect to the camera"}
	case err == nil && ctxErr != nil, errors.Is(err, context.DeadlineExceeded):
		return &ProbeError{Class: ProbeNoVideo, Msg: "no keyframe arrived in time"}
	}
	return &ProbeError{Class: ProbeUnreachable, Msg: "could not connect to the camera"}
}
