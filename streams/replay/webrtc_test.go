package replay_test

import (
	"github.com/hearthnvr/hearth/streams/replay"
	"github.com/hearthnvr/hearth/streams/webrtc"
)

// A Reader is a WebRTC session source (recorded playback over WHEP).
var (
	_ webrtc.Source            = (*replay.Reader)(nil)
	_ webrtc.KeyframeRequester = (*replay.Reader)(nil)
	_ webrtc.Closer            = (*replay.Reader)(nil)
)
