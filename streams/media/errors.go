package media

import "errors"

// Source failure classes. A source wraps the cause with one of these (and
// context) so a supervisor can pick the state and retry pace without
// parsing messages: errors.Is(err, media.ErrAuth).
var (
	// ErrAuth: the camera refused the credentials.
	ErrAuth = errors.New("authentication failed")
	// ErrUnreachable: no connection (refused, no route, DNS, TLS handshake).
	ErrUnreachable = errors.New("camera unreachable")
	// ErrUnsupported: the stream has no track Hearth can carry (the message
	// names the codec).
	ErrUnsupported = errors.New("unsupported stream")
	// ErrNoMedia: connected, but no media arrived within the read timeout.
	ErrNoMedia = errors.New("no media")
	// ErrNotFound: the camera answered, but has no stream at this path
	// (RTSP 404): the URL's path is wrong, not the camera.
	ErrNotFound = errors.New("no stream at this path")
	// ErrProtocol: the peer spoke broken RTSP/SDP/RTP.
	ErrProtocol = errors.New("protocol error")
)
