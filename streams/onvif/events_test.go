package onvif_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/onvif"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// TestPullPointSimcam: Hearth's client subscribes to simcam's events
// through a pull point, receives the scripted person detection appearing
// and going (classified as person, labelled with the rule), renews the
// subscription and ends it.
func TestPullPointSimcam(t *testing.T) {
	t.Parallel()
	s := startSimcam(t, simcam.ONVIFConfig{PersonEvery: 200 * time.Millisecond})
	c := newClient(t, s.ONVIFAddr(), user, pass)
	ctx := ctxFor(t)
	if _, err := c.SyncTime(ctx); err != nil {
		t.Fatal(err)
	}
	sub, err := c.CreatePullPoint(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	first := sub.Expires
	var seen []onvif.Detection
	for i := 0; i < 50 && len(seen) < 2; i++ {
		ns, err := sub.Pull(ctx, 5*time.Second, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			d, ok := onvif.Classify(n)
			if !ok {
				t.Fatalf("unclassified: %+v", n)
			}
			if n.Time.IsZero() {
				t.Errorf("no time: %+v", n)
			}
			if len(seen) > 0 || d.Active { // start from an appearance
				seen = append(seen, d)
			}
		}
	}
	if len(seen) < 2 || seen[0] != (onvif.Detection{Kind: onvif.KindPerson, Active: true, Label: "PeopleRule"}) ||
		seen[1] != (onvif.Detection{Kind: onvif.KindPerson, Active: false, Label: "PeopleRule"}) {
		t.Fatalf("detections %+v, want person appearing then going", seen)
	}
	if err := sub.Renew(ctx, 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	if !sub.Expires.After(first) {
		t.Errorf("renewal did not extend: %v → %v", first, sub.Expires)
	}
	if err := sub.Unsubscribe(ctx); err != nil {
		t.Fatal(err)
	}
	var fault *onvif.Fault
	if _, err := sub.Pull(ctx, time.Second, 1); !errors.As(err, &fault) {
		t.Fatalf("pull after unsubscribe: %v, want a fault", err)
	}
	if n := s.ONVIFSubscriptions(); n != 0 {
		t.Errorf("%d subscriptions left", n)
	}
}

// TestPullEndsWithContext: a long poll ends when its context does.
func TestPullEndsWithContext(t *testing.T) {
	t.Parallel()
	s := startSimcam(t, simcam.ONVIFConfig{})
	c := newClient(t, s.ONVIFAddr(), user, pass)
	if _, err := c.SyncTime(ctxFor(t)); err != nil {
		t.Fatal(err)
	}
	sub, err := c.CreatePullPoint(ctxFor(t), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := sub.Pull(ctx, 10*time.Second, 1); done <- err }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("pull did not end with its context")
	}
}

// TestClassify maps the topics common firmware raises.
func TestClassify(t *testing.T) {
	t.Parallel()
	cases := []struct {
		topic string
		op    string
		data  map[string]string
		want  onvif.Detection
		ok    bool
	}{
		{"RuleEngine/CellMotionDetector/Motion", "Changed", map[string]string{"IsMotion": "true"}, onvif.Detection{Kind: "motion", Active: true}, true},
		{"RuleEngine/CellMotionDetector/Motion", "Changed", map[string]string{"IsMotion": "false"}, onvif.Detection{Kind: "motion"}, true},
		{"VideoSource/MotionAlarm", "Changed", map[string]string{"State": "true"}, onvif.Detection{Kind: "motion", Active: true}, true},
		{"RuleEngine/MyRuleDetector/PeopleDetect", "Changed", map[string]string{"State": "true"}, onvif.Detection{Kind: "person", Active: true}, true},
		{"RuleEngine/MyRuleDetector/VehicleDetect", "Changed", map[string]string{"State": "true"}, onvif.Detection{Kind: "vehicle", Active: true}, true},
		{"RuleEngine/MyRuleDetector/DogCatDetect", "Changed", map[string]string{"State": "1"}, onvif.Detection{Kind: "animal", Active: true}, true},
		{"RuleEngine/LineDetector/Crossed", "Changed", map[string]string{"ObjectId": "3"}, onvif.Detection{Kind: "line-crossing", Active: true, Instant: true}, true},
		{"RuleEngine/TamperDetector/Tamper", "Changed", map[string]string{"IsTamper": "true"}, onvif.Detection{Kind: "tamper", Active: true}, true},
		{"VideoSource/GlobalSceneChange/ImagingService", "Changed", map[string]string{"State": "true"}, onvif.Detection{Kind: "tamper", Active: true}, true},
		{"RuleEngine/FieldDetector/ObjectsInside", "Changed", map[string]string{"IsInside": "true"}, onvif.Detection{Kind: "motion", Active: true}, true},
		{"VideoAnalytics/ObjectAnalytics/Device1Scenario1", "Changed", map[string]string{"ObjectType": "Vehicle", "Active": "1"}, onvif.Detection{Kind: "vehicle", Active: true}, true},
		{"RuleEngine/CellMotionDetector/Motion", "Initialized", map[string]string{"IsMotion": "false"}, onvif.Detection{}, false},
		{"Device/Trigger/DigitalInput", "Changed", map[string]string{"LogicalState": "true"}, onvif.Detection{}, false},
		{"Monitoring/ProcessorUsage", "Changed", map[string]string{"Value": "12"}, onvif.Detection{}, false},
	}
	for _, c := range cases {
		got, ok := onvif.Classify(onvif.Notification{Topic: c.topic, Operation: c.op, Data: c.data})
		if ok != c.ok || got != c.want {
			t.Errorf("%s %s %v: %+v %v, want %+v %v", c.topic, c.op, c.data, got, ok, c.want, c.ok)
		}
	}
}

// TestPullQuietFullWait: with nothing to say, a PullMessages that waits
// the whole long poll Hearth asks for (10 s, simcam's longest) is answered
// with no messages, not cut off by the device's own request timeout.
func TestPullQuietFullWait(t *testing.T) {
	t.Parallel()
	s := startSimcam(t, simcam.ONVIFConfig{})
	c := newClient(t, s.ONVIFAddr(), user, pass)
	ctx := ctxFor(t)
	if _, err := c.SyncTime(ctx); err != nil {
		t.Fatal(err)
	}
	sub, err := c.CreatePullPoint(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := sub.Pull(ctx, 10*time.Second, 10)
	if err != nil || len(ns) != 0 {
		t.Fatalf("quiet pull: %d messages, %v; want none and no error", len(ns), err)
	}
}
