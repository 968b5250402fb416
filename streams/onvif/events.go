package onvif

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	nsEvents = "http://www.onvif.org/ver10/events/wsdl"
	nsWSN    = "http://docs.oasis-open.org/wsn/b-2"
	// maxNotifications bounds the messages kept from one PullMessages.
	maxNotifications = 256
	// maxItems bounds a message's simple items.
	maxItems = 32
)

// Notification is one event message a device sent.
type Notification struct {
	// Topic is the concrete topic without its namespace prefix, e.g.
	// "RuleEngine/CellMotionDetector/Motion".
	Topic string
	// Time is the message's UtcTime (zero when absent or malformed).
	Time time.Time
	// Operation is Initialized, Changed or Deleted.
	Operation    string
	Source, Data map[string]string
}

type simpleItems struct {
	Items []struct {
		Name  string `xml:"Name,attr"`
		Value string `xml:"Value,attr"`
	} `xml:"SimpleItem"`
}

func (s simpleItems) kv() map[string]string {
	m := map[string]string{}
	for _, it := range s.Items {
		if len(m) == maxItems {
			break
		}
		m[truncate(it.Name, 64)] = truncate(it.Value, 128)
	}
	return m
}

// notificationMessage is a wsnt:NotificationMessage, as PullMessages
// answers and as Notify carries them.
type notificationMessage struct {
	Topic   string `xml:"Topic"`
	Message struct {
		Inner struct {
			UtcTime   string      `xml:"UtcTime,attr"`
			Operation string      `xml:"PropertyOperation,attr"`
			Source    simpleItems `xml:"Source"`
			Data      simpleItems `xml:"Data"`
		} `xml:"Message"`
	} `xml:"Message"`
}

type pullMessagesResponse struct {
	TerminationTime string                `xml:"TerminationTime"`
	Messages        []notificationMessage `xml:"NotificationMessage"`
}

func (r pullMessagesResponse) notifications() []Notification { return notificationsOf(r.Messages) }

// notificationsOf turns at most maxNotifications messages into
// Notifications, each bounded.
func notificationsOf(msgs []notificationMessage) []Notification {
	var out []Notification
	for _, m := range msgs {
		if len(out) == maxNotifications {
			break
		}
		topic := strings.TrimSpace(m.Topic)
		if i := strings.IndexByte(topic, ':'); i >= 0 && !strings.Contains(topic[:i], "/") {
			topic = topic[i+1:] // tns1:RuleEngine/... → RuleEngine/...
		}
		n := Notification{Topic: truncate(topic, 256), Operation: truncate(m.Message.Inner.Operation, 16),
			Source: m.Message.Inner.Source.kv(), Data: m.Message.Inner.Data.kv()}
		if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(m.Message.Inner.UtcTime)); err == nil {
			n.Time = t.UTC()
		}
		out = append(out, n)
	}
	return out
}

// Subscription is a subscription on a device: a pull point
// (CreatePullPoint), or a base notification subscription (Subscribe),
// whose messages the device pushes and which has no Pull. Its methods are
// for one goroutine at a time.
type Subscription struct {
	c *Client
	// url is the pull point's address, on the device's host.
	url string
	// Expires is the termination time the device last reported, on the
	// device's clock.
	Expires time.Time
}

type createPullPointResponse struct {
	Address         string `xml:"SubscriptionReference>Address"`
	TerminationTime string `xml:"TerminationTime"`
}

// eventsURL is the events service on the device's host.
func (c *Client) eventsURL(ctx context.Context) string {
	if caps, err := c.Capabilities(ctx); err == nil {
		if p := pathOf(caps.Events); p != "" {
			return c.serviceURL(p)
		}
	}
	return c.serviceURL("/onvif/events_service")
}

// CreatePullPoint subscribes to the device's events through a pull
// point living for term (the device may choose otherwise; renew before
// Expires).
func (c *Client) CreatePullPoint(ctx context.Context, term time.Duration) (*Subscription, error) {
	var r createPullPointResponse
	body := `<CreatePullPointSubscription xmlns="` + nsEvents + `"><InitialTerminationTime>` + isoDuration(term) + `</InitialTerminationTime></CreatePullPointSubscription>`
	if err := c.call(ctx, c.eventsURL(ctx), nsEvents+"/EventPortType/CreatePullPointSubscriptionRequest", body, true, &r); err != nil {
		return nil, err
	}
	return c.subscriptionOf(r, "CreatePullPointSubscription")
}

// subscriptionOf makes a Subscription of a device's answer naming its
// subscription manager (a pull point, or a base subscription's manager).
func (c *Client) subscriptionOf(r createPullPointResponse, op string) (*Subscription, error) {
	u, err := url.Parse(strings.TrimSpace(r.Address))
	if err != nil || u.Path == "" {
		return nil, fmt.Errorf("%s: no subscription address", op)
	}
	// The manager is reached on the device's own host, whatever host the
	// address names: the credentials stay with the device.
	pp := *c.device
	pp.Path, pp.RawQuery = u.Path, u.RawQuery
	s := &Subscription{c: c, url: pp.String()}
	s.Expires, _ = time.Parse(time.RFC3339Nano, strings.TrimSpace(r.TerminationTime))
	return s, nil
}

// Pull waits up to timeout (the device's long poll; the request itself is
// bounded by timeout plus DefaultTimeout) for at most limit messages.
func (s *Subscription) Pull(ctx context.Context, timeout time.Duration, limit int) ([]Notification, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout+DefaultTimeout)
	defer cancel()
	var r pullMessagesResponse
	body := `<PullMessages xmlns="` + nsEvents + `"><Timeout>` + isoDuration(timeout) + `</Timeout><MessageLimit>` + strconv.Itoa(limit) + `</MessageLimit></PullMessages>`
	if err := s.c.callLong(ctx, s.url, nsEvents+"/PullPointSubscription/PullMessagesRequest", body, &r); err != nil {
		return nil, err
	}
	if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(r.TerminationTime)); err == nil {
		s.Expires = t
	}
	return r.notifications(), nil
}

// Renew extends the subscription by term.
func (s *Subscription) Renew(ctx context.Context, term time.Duration) error {
	var r struct {
		TerminationTime string `xml:"TerminationTime"`
	}
	if err := s.c.call(ctx, s.url, nsWSN+"/SubscriptionManager/RenewRequest",
		`<Renew xmlns="`+nsWSN+`"><TerminationTime>`+isoDuration(term)+`</TerminationTime></Renew>`, true, &r); err != nil {
		return err
	}
	if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(r.TerminationTime)); err == nil {
		s.Expires = t
	}
	return nil
}

// Unsubscribe ends the subscription.
func (s *Subscription) Unsubscribe(ctx context.Context) error {
	return s.c.call(ctx, s.url, nsWSN+"/SubscriptionManager/UnsubscribeRequest", `<Unsubscribe xmlns="`+nsWSN+`"/>`, true, nil)
}

// isoDuration writes d as an xs:duration in whole seconds (at least 1).
func isoDuration(d time.Duration) string {
	return "PT" + strconv.Itoa(max(1, int(d/time.Second))) + "S"
}
