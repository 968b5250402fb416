package onvif

import (
	"math"
	"strings"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary bytes to every response parser: none may
// panic, and whatever they accept stays within the bounds they promise.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><trt:GetProfilesResponse xmlns:trt="x" xmlns:tt="y"><trt:Profiles token="p1"><tt:Name>main</tt:Name><tt:VideoEncoderConfiguration><tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>1920</tt:Width><tt:Height>1080</tt:Height></tt:Resolution><tt:RateControl><tt:FrameRateLimit>25</tt:FrameRateLimit></tt:RateControl></tt:VideoEncoderConfiguration></trt:Profiles></trt:GetProfilesResponse></s:Body></s:Envelope>`))
	f.Add([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>ter:NotAuthorized</s:Value></s:Subcode></s:Code><s:Reason><s:Text>no</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>`))
	f.Add([]byte(`<s:Envelope><s:Body><X><SystemDateAndTime><UTCDateTime><Time><Hour>1</Hour><Minute>2</Minute><Second>3</Second></Time><Date><Year>2026</Year><Month>12</Month><Day>6</Day></Date></UTCDateTime></SystemDateAndTime></X></s:Body></s:Envelope>`))
	f.Add([]byte(`<s:Envelope><s:Header><a:RelatesTo>uuid:1</a:RelatesTo></s:Header><s:Body><d:ProbeMatches><d:ProbeMatch><a:EndpointReference><a:Address>urn:uuid:2</a:Address></a:EndpointReference><d:Scopes>onvif://www.onvif.org/name/A</d:Scopes><d:XAddrs>http://10.0.0.1/onvif/device_service</d:XAddrs></d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>`))
	f.Add([]byte(`<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`))
	f.Add([]byte(`<s:Envelope><s:Body><tev:PullMessagesResponse><tev:TerminationTime>2026-12-06T21:00:00Z</tev:TerminationTime><wsnt:NotificationMessage><wsnt:Topic>tns1:RuleEngine/MyRuleDetector/PeopleDetect</wsnt:Topic><wsnt:Message><tt:Message UtcTime="2026-12-06T21:00:00Z" PropertyOperation="Changed"><tt:Source><tt:SimpleItem Name="Rule" Value="r"/></tt:Source><tt:Data><tt:SimpleItem Name="State" Value="true"/></tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage></tev:PullMessagesResponse></s:Body></s:Envelope>`))
	f.Add([]byte(`<s:Envelope><s:Body><tptz:GetStatusResponse><tptz:PTZStatus><tt:Position><tt:PanTilt x="0.5" y="-NaN"/><tt:Zoom x="Inf"/></tt:Position><tt:MoveStatus><tt:PanTilt>MOVING</tt:PanTilt></tt:MoveStatus></tptz:PTZStatus></tptz:GetStatusResponse></s:Body></s:Envelope>`))
	f.Add([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><wsnt:Notify xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"><wsnt:NotificationMessage><wsnt:Topic>tns1:RuleEngine/CellMotionDetector/Motion</wsnt:Topic><wsnt:Message><tt:Message UtcTime="2026-12-06T21:00:00Z" PropertyOperation="Changed"><tt:Source><tt:SimpleItem Name="Rule" Value="MyMotion"/></tt:Source><tt:Data><tt:SimpleItem Name="IsMotion" Value="true"/></tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify></s:Body></s:Envelope>`))
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><s:Envelope><s:Body><wsnt:Notify><wsnt:NotificationMessage><wsnt:Topic>&b;</wsnt:Topic></wsnt:NotificationMessage></wsnt:Notify></s:Body></s:Envelope>`))
	f.Add([]byte(`<s:Envelope><s:Body><wsnt:Notify>` + strings.Repeat(`<wsnt:NotificationMessage><wsnt:Topic>tns1:X/Motion</wsnt:Topic></wsnt:NotificationMessage>`, 300) + `</wsnt:Notify></s:Body></s:Envelope>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if ns, err := ParseNotify(b); err == nil {
			if len(ns) > maxNotifications {
				t.Fatal("too many notifications in a Notify")
			}
			for _, n := range ns {
				if len(n.Source) > maxItems || len(n.Data) > maxItems || len(n.Topic) > 256+len("…") {
					t.Fatalf("notified notification out of bounds: %+v", n)
				}
			}
		}
		var p profilesResponse
		if _, err := parseEnvelope(b, &p); err == nil {
			for _, pr := range p.profiles() {
				if pr.Width < 0 || pr.Height < 0 || pr.Width > 16384 || pr.Token == "" || pr.FPS < 0 {
					t.Fatalf("profile out of bounds: %+v", pr)
				}
			}
			if len(p.profiles()) > maxProfiles {
				t.Fatal("too many profiles")
			}
		}
		var d systemDateAndTimeResponse
		if _, err := parseEnvelope(b, &d); err == nil {
			if tm, err := parseSystemTime(d); err == nil && (tm.Year() < 1970 || tm.Location() != time.UTC) {
				t.Fatalf("time out of range: %v", tm)
			}
		}
		var caps capabilitiesResponse
		_, _ = parseEnvelope(b, &caps)
		var svc servicesResponse
		_, _ = parseEnvelope(b, &svc)
		var uri streamURIResponse
		_, _ = parseEnvelope(b, &uri)
		var info DeviceInfo
		if sf, err := parseEnvelope(b, &info); err == nil && sf != nil {
			if fa := sf.fault(); len(fa.Reason) > 200+len("…") {
				t.Fatalf("fault reason not truncated: %d bytes", len(fa.Reason))
			}
		}
		var pm pullMessagesResponse
		if _, err := parseEnvelope(b, &pm); err == nil {
			ns := pm.notifications()
			if len(ns) > maxNotifications {
				t.Fatal("too many notifications")
			}
			for _, n := range ns {
				if len(n.Source) > maxItems || len(n.Data) > maxItems || len(n.Topic) > 256+len("…") {
					t.Fatalf("notification out of bounds: %+v", n)
				}
				if d, ok := Classify(n); ok && d.Kind == "" {
					t.Fatalf("classified without a kind: %+v", n)
				}
			}
		}
		var st statusResponse
		if _, err := parseEnvelope(b, &st); err == nil {
			if s := st.status(); math.IsNaN(s.Pan) || math.IsInf(s.Pan, 0) || math.IsNaN(s.Tilt) || math.IsNaN(s.Zoom) {
				t.Fatalf("status not finite: %+v", s)
			}
		}
		var pr presetsResponse
		if _, err := parseEnvelope(b, &pr); err == nil && len(pr.presets()) > maxPresetsKept {
			t.Fatal("too many presets")
		}
		ds, err := ParseProbeMatches(b, "")
		if err == nil {
			if len(ds) > maxDiscovered {
				t.Fatal("too many devices")
			}
			for _, d := range ds {
				if len(d.XAddrs) > 8 || len(d.Scopes) > 32 {
					t.Fatalf("device out of bounds: %+v", d)
				}
			}
		}
	})
}
