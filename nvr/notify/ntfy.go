package notify

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/hearthnvr/hearth/nvr"
)

// ntfy publishes to a topic URL ("https://ntfy.sh/my-topic") with ntfy's
// HTTP publish API. A text message is a POST whose body is the message,
// with Title, Tags, Priority and Click headers. A message with a
// thumbnail is a PUT whose body is the JPEG itself, with the text moved to
// the Message header and a Filename header: that is how ntfy takes an
// attachment (the raw body, not a multipart form), and the file name's
// .jpg is what lets the apps show it as a picture instead of a download.
// The channel's secret, if any, is an access token (Authorization:
// Bearer). Header values outside ASCII go RFC 2047 encoded, which ntfy
// decodes.
type ntfy struct{ http httpClients }

func (n ntfy) send(ctx context.Context, ch nvr.NotifyChannel, m Message) error {
	method, body := http.MethodPost, []byte(m.Body)
	if m.Thumb != nil {
		method, body = http.MethodPut, m.Thumb
	}
	req, err := http.NewRequestWithContext(ctx, method, ch.Target, bytes.NewReader(body))
	if err != nil {
		return permanent(fmt.Errorf("ntfy request: %w", err))
	}
	h := req.Header
	h.Set("User-Agent", "Hearth-Notify/1")
	h.Set("Title", headerText(m.Title))
	h.Set("Tags", ntfyTags(m.Kind))
	h.Set("Priority", ntfyPriority(m.Kind))
	if m.URL != "" {
		h.Set("Click", m.URL)
	}
	if m.Thumb != nil {
		h.Set("Message", headerText(m.Body))
		h.Set("Filename", ntfyFilename(m))
		h.Set("Content-Type", nvr.ThumbJPEG)
	} else {
		h.Set("Content-Type", "text/plain; charset=utf-8")
	}
	if ch.Secret.IsSet() {
		h.Set("Authorization", "Bearer "+ch.Secret.Reveal())
	}
	return n.http.do(ctx, ch, req)
}

// headerText keeps a header value on one line and ASCII.
func headerText(s string) string {
	s = strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			return mime.BEncoding.Encode("utf-8", s)
		}
	}
	return s
}

func ntfyFilename(m Message) string {
	return "hearth-" + string(m.CameraID) + "-" + m.At.UTC().Format("20060102T150405Z") + ".jpg"
}

func ntfyTags(k nvr.NotifyKind) string {
	switch k {
	case nvr.NotifyMotion:
		return "movie_camera,motion"
	case nvr.NotifyTrigger:
		return "bell,trigger"
	case nvr.NotifyOffline, nvr.NotifyStalled:
		return "warning," + string(k)
	case nvr.NotifyOnline:
		return "white_check_mark,online"
	case nvr.NotifyStorageLow:
		return "floppy_disk,storage"
	}
	return string(k)
}

func ntfyPriority(k nvr.NotifyKind) string {
	switch k {
	case nvr.NotifyOffline, nvr.NotifyStalled, nvr.NotifyStorageLow:
		return "high"
	}
	return "default"
}
