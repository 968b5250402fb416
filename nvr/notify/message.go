package notify

import (
	"net/url"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// Message is what one channel is given to send: built at send time from a
// grant, so it carries nothing the grant does not allow.
type Message struct {
	Kind       nvr.NotifyKind
	CameraID   nvr.CameraID // "" for appliance-wide kinds (storage low)
	CameraName string
	EventID    nvr.EventID // "" for health messages
	Label      string
	At         time.Time // when it happened (event start, health change)
	Title      string
	Body       string
	// URL opens the camera at the moment (BaseURL/cameras/{id}?t=RFC3339);
	// "" when the appliance has no base URL configured.
	URL string
	// Thumb is the event's JPEG thumbnail when the rule asked for one and
	// the grant allowed it; nil otherwise.
	Thumb []byte
}

// KindTest is the kind of a test message (the Test button, hearth notify
// test): it names no camera and is never the subject of a rule.
const KindTest nvr.NotifyKind = "test"

// compose fills in the words of a message.
func compose(m Message, base string, loc *time.Location) Message {
	when := m.At.In(loc).Format("15:04:05")
	switch m.Kind {
	case nvr.NotifyMotion:
		m.Title = "Motion at " + m.CameraName
	case nvr.NotifyTrigger:
		if m.Label != "" {
			m.Title = m.Label + " at " + m.CameraName
		} else {
			m.Title = "Event at " + m.CameraName
		}
	case nvr.NotifyOffline:
		m.Title = m.CameraName + " is offline"
	case nvr.NotifyOnline:
		m.Title = m.CameraName + " is back online"
	case nvr.NotifyStalled:
		m.Title = m.CameraName + " has stopped recording"
	case nvr.NotifyStorageLow:
		m.Title = "Storage is running low"
	case KindTest:
		m.Title = "Test message from Hearth"
	}
	switch {
	case m.CameraName != "":
		m.Body = m.CameraName + " · " + m.At.In(loc).Format("Mon 2 Jan") + " " + when
	case m.Kind == KindTest:
		// A bare time told the reader nothing of why it came.
		m.Body = "Sent " + m.At.In(loc).Format("Mon 2 Jan") + " " + when +
			" from Hearth's notification settings: this channel works. Your rules choose which cameras and events send messages here."
	default:
		m.Body = m.At.In(loc).Format("Mon 2 Jan") + " " + when
	}
	if base != "" && m.CameraID != "" {
		m.URL = base + "/cameras/" + string(m.CameraID) + "?t=" + url.QueryEscape(m.At.UTC().Format(time.RFC3339))
	}
	return m
}
