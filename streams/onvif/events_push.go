package onvif

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"
)

// WS-BaseNotification "push": for devices without a pull point, the
// device POSTs wsnt:Notify messages to a consumer address the recorder
// names in wsnt:Subscribe. The recorder must then be reachable from the
// camera; a pull point is preferred wherever the device offers one.

// Subscribe asks the device's event service to push its notifications to
// consumerURL (an http or https address the device can reach) for term
// (the device may choose otherwise: renew before Expires). The returned
// Subscription's Renew and Unsubscribe talk to the subscription manager
// the device names; it has no Pull.
func (c *Client) Subscribe(ctx context.Context, consumerURL string, term time.Duration) (*Subscription, error) {
	var r createPullPointResponse // the same shape: SubscriptionReference, TerminationTime
	body := `<Subscribe xmlns="` + nsWSN + `"><ConsumerReference><Address xmlns="` + nsWSA + `">` + escape(consumerURL) +
		`</Address></ConsumerReference><InitialTerminationTime>` + isoDuration(term) + `</InitialTerminationTime></Subscribe>`
	if err := c.call(ctx, c.eventsURL(ctx), nsWSNW+"/NotificationProducer/SubscribeRequest", body, true, &r); err != nil {
		return nil, err
	}
	return c.subscriptionOf(r, "Subscribe")
}

const (
	nsWSA  = "http://www.w3.org/2005/08/addressing"
	nsWSNW = "http://docs.oasis-open.org/wsn/bw-2"
)

type notify struct {
	XMLName  xml.Name
	Messages []notificationMessage `xml:"NotificationMessage"`
}

// ParseNotify reads a wsnt:Notify message a device POSTed to a consumer:
// the same bounded, checked decoding as a PullMessages answer (at most
// MaxBody bytes, bounded depth and tokens, no DOCTYPE), and the same
// Notifications, so Classify applies unchanged. A body that is no SOAP
// envelope holding a Notify is an error.
func ParseNotify(body []byte) ([]Notification, error) {
	if len(body) > MaxBody {
		return nil, ErrTooLarge
	}
	var n notify
	sf, err := parseEnvelope(body, &n)
	if err != nil {
		return nil, err
	}
	if sf != nil {
		return nil, errors.New("onvif: notify: a fault, not a Notify")
	}
	if n.XMLName.Local != "Notify" {
		return nil, errors.New("onvif: notify: the body holds no Notify")
	}
	return notificationsOf(n.Messages), nil
}

// PullPointSupported tells whether the device offers a pull point. It asks
// the events service (GetServiceCapabilities, WSPullPointSupport), then,
// when that is not implemented (older firmware), GetCapabilities' Events
// entry. A device that says nothing either way is taken to offer one, as
// Profile S requires: CreatePullPoint's own fault then settles it. An
// error is a failure to ask (the network, the credentials), never "no".
func (c *Client) PullPointSupported(ctx context.Context) (bool, error) {
	var r struct {
		Capabilities struct {
			PullPoint string `xml:"WSPullPointSupport,attr"`
		} `xml:"Capabilities"`
	}
	err := c.call(ctx, c.eventsURL(ctx), nsEvents+"/EventPortType/GetServiceCapabilitiesRequest",
		`<GetServiceCapabilities xmlns="`+nsEvents+`"/>`, true, &r)
	var f *Fault
	switch {
	case err == nil:
		if v, ok := parseBool(r.Capabilities.PullPoint); ok {
			return v, nil
		}
	case !errors.As(err, &f):
		return false, err
	}
	var caps capabilitiesResponse
	err = c.call(ctx, c.device.String(), nsDevice+"/GetCapabilities",
		`<GetCapabilities xmlns="`+nsDevice+`"><Category>Events</Category></GetCapabilities>`, true, &caps)
	switch {
	case err == nil:
		if v, ok := parseBool(caps.Capabilities.Events.PullPoint); ok {
			return v, nil
		}
	case !errors.As(err, &f):
		return false, err
	}
	return true, nil
}

func parseBool(s string) (v, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

// LocalAddrFor returns the local address the kernel would use to reach
// hostport (a device's host[:port]; port 80 when none): the address a
// consumer URL should name so the device can reach back. It connects a
// UDP socket, which sends nothing.
func LocalAddrFor(ctx context.Context, hostport string) (netip.Addr, error) {
	if _, _, err := net.SplitHostPort(hostport); err != nil {
		hostport = net.JoinHostPort(strings.Trim(hostport, "[]"), "80")
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", hostport)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("local address toward %s: %w", hostport, err)
	}
	defer conn.Close()
	ap, err := netip.ParseAddrPort(conn.LocalAddr().String())
	if err != nil {
		return netip.Addr{}, fmt.Errorf("local address toward %s: %w", hostport, err)
	}
	return ap.Addr().Unmap(), nil
}
