package onvif_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hearthnvr/hearth/streams/onvif"
)

const notifyOpen = `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:tt="http://www.onvif.org/ver10/schema"><s:Body>`

// TestParseNotify reads a camera's Notify into the Notifications Classify
// knows, and refuses what is not one: another element, a fault, a
// DOCTYPE, nesting too deep, a body over MaxBody, broken XML.
func TestParseNotify(t *testing.T) {
	t.Parallel()
	good := notifyOpen + `<wsnt:Notify><wsnt:NotificationMessage><wsnt:Topic Dialect="x">tns1:RuleEngine/MyRuleDetector/PeopleDetect</wsnt:Topic>` +
		`<wsnt:Message><tt:Message UtcTime="2026-12-06T21:00:00Z" PropertyOperation="Changed"><tt:Source><tt:SimpleItem Name="Rule" Value="Door"/></tt:Source>` +
		`<tt:Data><tt:SimpleItem Name="State" Value="true"/></tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify></s:Body></s:Envelope>`
	ns, err := onvif.ParseNotify([]byte(good))
	if err != nil || len(ns) != 1 {
		t.Fatalf("ParseNotify = %+v, %v", ns, err)
	}
	if d, ok := onvif.Classify(ns[0]); !ok || d != (onvif.Detection{Kind: onvif.KindPerson, Active: true, Label: "Door"}) {
		t.Errorf("classified %+v %v", d, ok)
	}
	many := notifyOpen + `<wsnt:Notify>` + strings.Repeat(`<wsnt:NotificationMessage><wsnt:Topic>tns1:VideoSource/MotionAlarm</wsnt:Topic></wsnt:NotificationMessage>`, 1000) +
		`</wsnt:Notify></s:Body></s:Envelope>`
	if ns, err := onvif.ParseNotify([]byte(many)); err != nil || len(ns) != 256 {
		t.Errorf("1000 messages: kept %d, %v; want 256", len(ns), err)
	}
	for name, body := range map[string]string{
		"not notify": notifyOpen + `<wsnt:Subscribe/></s:Body></s:Envelope>`,
		"fault":      notifyOpen + `<s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code></s:Fault></s:Body></s:Envelope>`,
		"doctype":    `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>` + notifyOpen + `<wsnt:Notify><wsnt:NotificationMessage><wsnt:Topic>&b;</wsnt:Topic></wsnt:NotificationMessage></wsnt:Notify></s:Body></s:Envelope>`,
		"deep":       notifyOpen + `<wsnt:Notify>` + strings.Repeat("<a>", 1000) + strings.Repeat("</a>", 1000) + `</wsnt:Notify></s:Body></s:Envelope>`,
		"broken":     notifyOpen + `<wsnt:Notify><wsnt:NotificationMessage>`,
		"empty":      ``,
		"no body":    `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"/>`,
	} {
		if ns, err := onvif.ParseNotify([]byte(body)); err == nil {
			t.Errorf("%s: accepted, %+v", name, ns)
		}
	}
	huge := []byte(notifyOpen + `<wsnt:Notify>` + strings.Repeat(" ", onvif.MaxBody) + `</wsnt:Notify></s:Body></s:Envelope>`)
	if _, err := onvif.ParseNotify(huge); !errors.Is(err, onvif.ErrTooLarge) {
		t.Errorf("huge: %v, want ErrTooLarge", err)
	}
}
