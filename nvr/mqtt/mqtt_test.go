package mqtt_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// requiredKeys are the keys Home Assistant's MQTT discovery schema
// requires (or that these entities cannot work without) per entity: its
// component, and after a slash the object ID's suffix when a camera has
// two of the component.
var requiredKeys = map[string][]string{
	"camera":          {"topic"},
	"binary_sensor":   {"state_topic"},
	"sensor":          {"state_topic"},
	"switch":          {"command_topic", "state_topic"},
	"switch/_privacy": {"command_topic", "state_topic"},
}

func discoveryTopic(disc, entity string, id nvr.CameraID) string {
	comp, suffix, _ := strings.Cut(entity, "/")
	return disc + "/" + comp + "/hearth/" + string(id) + suffix + "/config"
}

// checkDiscovery parses camera c's four configs under disc and checks
// the keys Home Assistant needs, and that every topic they name is under
// prefix.
func checkDiscovery(t *testing.T, col *collector, disc, prefix string, c nvr.Camera) {
	t.Helper()
	for comp, keys := range requiredKeys {
		m, ok := col.last(discoveryTopic(disc, comp, c.ID))
		if !ok {
			t.Fatalf("%s config of %s: missing", comp, c.Name)
		}
		var cfg map[string]any
		if err := json.Unmarshal(m.payload, &cfg); err != nil {
			t.Fatalf("%s config of %s: not JSON: %v", comp, c.Name, err)
		}
		for _, k := range append(keys, "unique_id", "availability_topic") {
			v, _ := cfg[k].(string)
			if v == "" {
				t.Errorf("%s config of %s: key %q missing", comp, c.Name, k)
			}
			if strings.HasSuffix(k, "topic") && !strings.HasPrefix(v, prefix+"/") {
				t.Errorf("%s config of %s: %s %q not under %s", comp, c.Name, k, v, prefix)
			}
		}
		dev, _ := cfg["device"].(map[string]any)
		ids, _ := dev["identifiers"].([]any)
		if len(ids) != 1 || ids[0] != string(c.ID) || dev["name"] != c.Name {
			t.Errorf("%s config of %s: device block %v, want identifiers [%s]", comp, c.Name, dev, c.ID)
		}
	}
}

// mentions reports whether a message names camera c (its ID or name) in
// its topic or payload.
func mentions(m msg, c nvr.Camera) bool {
	return strings.Contains(m.topic, string(c.ID)) || strings.Contains(string(m.payload), string(c.ID)) ||
		strings.Contains(string(m.payload), c.Name)
}

func under(m msg, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(m.topic, p+"/") {
			return true
		}
	}
	return false
}

// Two households, two integrations, one broker: each household's topics
// carry its own cameras only, discovery parses as Home Assistant needs,
// and a trigger from MQTT opens and closes an event published under its
// household's prefix alone. A command naming another household's camera is
// refused.
func TestDiscoveryStateEventsAndIsolation(t *testing.T) {
	w := newWorld(t)
	b := newBroker(t, false)
	b.Start()
	inA := w.integrate(w.hA, w.ownerA, "")
	inB := w.integrate(w.hB, w.ownerB, "bravo-ha")
	all := b.subscribe("#")
	w.run(b)

	waitFor(t, 30*time.Second, "discovery and state of every camera", func() bool {
		for _, x := range []struct {
			in nvr.Integration
			c  nvr.Camera
		}{{inA, w.camA1}, {inA, w.camA2}, {inB, w.camB1}} {
			for comp := range requiredKeys {
				if _, ok := all.last(discoveryTopic(x.in.DiscoveryPrefix, comp, x.c.ID)); !ok {
					return false
				}
			}
			if m, ok := all.last(x.in.TopicPrefix + "/" + string(x.c.ID) + "/state"); !ok || string(m.payload) != "recording" {
				return false
			}
		}
		return true
	})
	checkDiscovery(t, all, inA.DiscoveryPrefix, inA.TopicPrefix, w.camA1)
	checkDiscovery(t, all, inA.DiscoveryPrefix, inA.TopicPrefix, w.camA2)
	checkDiscovery(t, all, inB.DiscoveryPrefix, inB.TopicPrefix, w.camB1)
	for _, in := range []nvr.Integration{inA, inB} {
		if m, ok := all.last(in.TopicPrefix + "/availability"); !ok || string(m.payload) != "online" {
			t.Errorf("availability of %s: %q, want online", in.TopicPrefix, m.payload)
		}
	}
	// A Home Assistant that starts later reads the configs retained.
	retained := map[string]bool{}
	for _, m := range retainedNow(t, b, inA.DiscoveryPrefix+"/#") {
		retained[m.topic] = m.retained
	}
	for comp := range requiredKeys {
		if !retained[discoveryTopic(inA.DiscoveryPrefix, comp, w.camA1.ID)] {
			t.Errorf("%s config of A1 is not retained", comp)
		}
	}

	// B's integration names A's camera: refused (the policy does not let
	// B's principal see it). Then a trigger of B's own, which the same
	// worker handles after the refusal.
	b.pub(inB.TopicPrefix+"/"+string(w.camA1.ID)+"/trigger", "foreign")
	b.pub(inA.TopicPrefix+"/"+string(w.camA1.ID)+"/trigger", "doorbell")
	eventOf := func(in nvr.Integration, c nvr.Camera, typ string) func() bool {
		return func() bool {
			return all.count(func(m msg) bool {
				var ev struct{ Type, Label, Camera string }
				return m.topic == in.TopicPrefix+"/"+string(c.ID)+"/event" &&
					json.Unmarshal(m.payload, &ev) == nil && ev.Type == typ && ev.Label == "doorbell" && ev.Camera == string(c.ID)
			}) > 0
		}
	}
	waitFor(t, 30*time.Second, "event start of A's trigger", eventOf(inA, w.camA1, "start"))
	waitFor(t, 10*time.Second, "motion ON during the event", func() bool {
		return all.count(func(m msg) bool {
			return m.topic == inA.TopicPrefix+"/"+string(w.camA1.ID)+"/motion" && string(m.payload) == "ON"
		}) > 0
	})
	waitFor(t, 60*time.Second, "event end of A's trigger", eventOf(inA, w.camA1, "end"))
	waitFor(t, 10*time.Second, "motion OFF", func() bool {
		m, _ := all.last(inA.TopicPrefix + "/" + string(w.camA1.ID) + "/motion")
		return string(m.payload) == "OFF"
	})
	waitFor(t, 10*time.Second, "the foreign trigger refused in the log", func() bool {
		return strings.Contains(w.log.String(), "mqtt command refused") && strings.Contains(w.log.String(), string(w.camA1.ID))
	})
	evs, err := w.store.Events(w.ctx, nvr.EventQuery{Cameras: []nvr.EventScope{{CameraID: w.camA1.ID}}, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Label != "doorbell" {
		t.Errorf("events of A's camera: %+v, want only the doorbell (B's foreign trigger refused)", evs)
	}

	// Every message: under A's prefixes only A's cameras, under B's only
	// B's; nothing anywhere else but the commands the test sent.
	for _, m := range all.all() {
		switch {
		case under(m, inA.TopicPrefix, inA.DiscoveryPrefix):
			if mentions(m, w.camB1) {
				t.Errorf("A's topic %s carries B's camera", m.topic)
			}
		case under(m, inB.TopicPrefix, inB.DiscoveryPrefix):
			if mentions(m, w.camA1) && !strings.HasSuffix(m.topic, "/trigger") || mentions(m, w.camA2) {
				t.Errorf("B's topic %s carries A's camera", m.topic)
			}
		default:
			t.Errorf("message outside both households' prefixes: %s", m.topic)
		}
	}
}

// retainedNow reads what a fresh subscriber gets from the broker under
// filter: the retained messages only (mosquitto_sub -W ends it).
func retainedNow(t *testing.T, b *broker, filter string) []msg {
	t.Helper()
	out, err := b.Client(context.Background(), "mosquitto_sub", "-t", filter, "-F", "%r\t%t\t%x", "-W", "2").Output()
	if err != nil && len(out) == 0 && !strings.Contains(err.Error(), "exit status 27") {
		// Exit 27 is -W's timeout: the normal end of this read.
		t.Fatalf("mosquitto_sub: %v", err)
	}
	var ms []msg
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.SplitN(line, "\t", 3)
		if len(f) == 3 && f[2] != "" {
			ms = append(ms, msg{retained: f[0] == "1", topic: f[1], payload: []byte(f[2])})
		}
	}
	return ms
}

// A camera moved to another household leaves A's Home Assistant at the
// next pass (empty retained configs) and B's announces it; a revoked token
// ends A's integration: its configs are cleared and nothing more is sent.
func TestWithdrawOnMoveAndRevoke(t *testing.T) {
	w := newWorld(t)
	b := newBroker(t, false)
	b.Start()
	inA := w.integrate(w.hA, w.ownerA, "")
	inB := w.integrate(w.hB, w.ownerB, "bravo-ha")
	all := b.subscribe("#")
	w.run(b)
	cfgA2 := discoveryTopic(inA.DiscoveryPrefix, "switch", w.camA2.ID)
	waitFor(t, 30*time.Second, "A's cameras announced", func() bool {
		m, ok := all.last(cfgA2)
		return ok && len(m.payload) > 0
	})

	if err := w.ops.MoveCamera(w.ctx, w.camA2.ID, w.hB.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "A2 withdrawn from A and announced by B", func() bool {
		m, ok := all.last(cfgA2)
		mb, okb := all.last(discoveryTopic(inB.DiscoveryPrefix, "switch", w.camA2.ID))
		return ok && len(m.payload) == 0 && okb && len(mb.payload) > 0
	})
	nAfterMove := len(all.all())
	// An event of the moved camera now is B's to tell, never A's.
	gB, err := w.policy.Camera(w.ctx, inB.Principal(), nvr.ActionTriggerEvent, w.camA2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.events.Trigger(w.ctx, gB, "moved", time.Second); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the moved camera's event under B", func() bool {
		_, ok := all.last(inB.TopicPrefix + "/" + string(w.camA2.ID) + "/event")
		return ok
	})
	for _, m := range all.all()[nAfterMove:] {
		// Empty payloads are the withdrawal itself (clears of retained
		// topics, which may still be arriving), not a disclosure.
		if under(m, inA.TopicPrefix, inA.DiscoveryPrefix) && mentions(m, w.camA2) && len(m.payload) > 0 {
			t.Errorf("after the move, A's topic %s still carries the moved camera", m.topic)
		}
	}

	// Revoke A's integration token.
	if err := w.ops.RevokeToken(w.ctx, inA.TokenID); err != nil {
		t.Fatal(err)
	}
	cfgA1 := discoveryTopic(inA.DiscoveryPrefix, "camera", w.camA1.ID)
	waitFor(t, 30*time.Second, "A1 withdrawn after revocation", func() bool {
		m, ok := all.last(cfgA1)
		return ok && len(m.payload) == 0
	})
	waitFor(t, 30*time.Second, "A's availability offline", func() bool {
		m, _ := all.last(inA.TopicPrefix + "/availability")
		return string(m.payload) == "offline"
	})
	nAfterRevoke := len(all.all())
	gA, err := w.policy.Camera(w.ctx, w.ownerPrincipal(w.ownerA), nvr.ActionTriggerEvent, w.camA1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.events.Trigger(w.ctx, gA, "after-revoke", time.Second); err != nil {
		t.Fatal(err)
	}
	// B's own trigger after A's: once B's event is out, A's notice has
	// passed through the same queue.
	gB1, err := w.policy.Camera(w.ctx, inB.Principal(), nvr.ActionTriggerEvent, w.camB1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.events.Trigger(w.ctx, gB1, "sync", time.Second); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "B's sync event", func() bool {
		_, ok := all.last(inB.TopicPrefix + "/" + string(w.camB1.ID) + "/event")
		return ok
	})
	for _, m := range all.all()[nAfterRevoke:] {
		if under(m, inA.TopicPrefix, inA.DiscoveryPrefix) {
			t.Errorf("after revocation, A's integration still published %s", m.topic)
		}
	}
	// What a fresh Home Assistant would read under A's prefixes: nothing
	// but "offline".
	for _, m := range append(retainedNow(t, b, inA.DiscoveryPrefix+"/#"), retainedNow(t, b, inA.TopicPrefix+"/#")...) {
		if m.topic != inA.TopicPrefix+"/availability" {
			t.Errorf("retained after revocation: %s", m.topic)
		}
	}
}

// ownerPrincipal is a token principal of u with scope all, for the test's
// own triggers (made through the real directory).
func (w *world) ownerPrincipal(u nvr.User) nvr.Principal {
	w.t.Helper()
	_, tok, err := w.ops.CreateToken(w.ctx, u.ID, "test", nvr.ScopeAll, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	return nvr.Principal{UserID: u.ID, Kind: nvr.CredentialToken, CredentialID: tok.ID, Scope: nvr.ScopeAll}
}

// The recording switch is honoured for an owner's integration and refused
// for a viewer's, with the refusal logged.
func TestRecordingSwitchCommand(t *testing.T) {
	w := newWorld(t)
	b := newBroker(t, false)
	b.Start()
	inA := w.integrate(w.hA, w.viewerA, "") // the viewer sees A1 only
	inB := w.integrate(w.hB, w.ownerB, "bravo-ha")
	all := b.subscribe("#")
	w.run(b)
	waitFor(t, 30*time.Second, "both announced", func() bool {
		_, a := all.last(discoveryTopic(inA.DiscoveryPrefix, "switch", w.camA1.ID))
		_, b := all.last(discoveryTopic(inB.DiscoveryPrefix, "switch", w.camB1.ID))
		return a && b
	})
	if n := all.count(func(m msg) bool { return mentions(m, w.camA2) }); n != 0 {
		t.Errorf("the viewer's integration published %d messages of a camera not assigned to them", n)
	}

	b.pub(inA.TopicPrefix+"/"+string(w.camA1.ID)+"/recording/set", "OFF")
	waitFor(t, 30*time.Second, "the viewer's command refused", func() bool {
		return strings.Contains(w.log.String(), "mqtt command refused") && strings.Contains(w.log.String(), "manage-camera")
	})
	if c, err := w.store.Camera(w.ctx, w.camA1.ID); err != nil || c.RecordMode == nvr.RecordOff {
		t.Errorf("A1 after the viewer's OFF: %v %v, want still recording", c.RecordMode, err)
	}

	b.pub(inB.TopicPrefix+"/"+string(w.camB1.ID)+"/recording/set", "OFF")
	waitFor(t, 30*time.Second, "B1 recording off", func() bool {
		c, err := w.store.Camera(w.ctx, w.camB1.ID)
		m, _ := all.last(inB.TopicPrefix + "/" + string(w.camB1.ID) + "/recording")
		return err == nil && c.RecordMode == nvr.RecordOff && string(m.payload) == "OFF"
	})
	b.pub(inB.TopicPrefix+"/"+string(w.camB1.ID)+"/recording/set", "ON")
	waitFor(t, 30*time.Second, "B1 recording on", func() bool {
		c, err := w.store.Camera(w.ctx, w.camB1.ID)
		m, _ := all.last(inB.TopicPrefix + "/" + string(w.camB1.ID) + "/recording")
		return err == nil && c.RecordMode == nvr.RecordContinuous && string(m.payload) == "ON"
	})

	// An events-only camera switched off and on again records events only,
	// as the household chose, not everything.
	c, err := w.store.Camera(w.ctx, w.camB1.ID)
	if err != nil {
		t.Fatal(err)
	}
	c.RecordMode = nvr.RecordEvents
	if err := w.store.UpdateCamera(w.ctx, c); err != nil {
		t.Fatal(err)
	}
	b.pub(inB.TopicPrefix+"/"+string(w.camB1.ID)+"/recording/set", "OFF")
	waitFor(t, 30*time.Second, "B1 recording off again", func() bool {
		c, err := w.store.Camera(w.ctx, w.camB1.ID)
		return err == nil && c.RecordMode == nvr.RecordOff
	})
	b.pub(inB.TopicPrefix+"/"+string(w.camB1.ID)+"/recording/set", "ON")
	waitFor(t, 30*time.Second, "B1 back to events only", func() bool {
		c, err := w.store.Camera(w.ctx, w.camB1.ID)
		return err == nil && c.RecordMode != nvr.RecordOff
	})
	if c, err := w.store.Camera(w.ctx, w.camB1.ID); err != nil || c.RecordMode != nvr.RecordEvents {
		t.Errorf("B1 after OFF and ON: %q %v, want events (its mode before OFF)", c.RecordMode, err)
	}
}

// Home Assistant's privacy switch closes and opens the shutter for an
// owner's integration, audited as the integration's token; while closed
// the policy grants no live view to anyone; a viewer's integration is
// refused, and an open the schedule overrules leaves the switch ON.
func TestPrivacyShutterCommand(t *testing.T) {
	w := newWorld(t)
	b := newBroker(t, false)
	b.Start()
	inA := w.integrate(w.hA, w.viewerA, "")
	inB := w.integrate(w.hB, w.ownerB, "bravo-ha")
	all := b.subscribe("#")
	w.run(b)
	privacyOf := func(in nvr.Integration, c nvr.Camera) string {
		m, _ := all.last(in.TopicPrefix + "/" + string(c.ID) + "/privacy")
		return string(m.payload)
	}
	waitFor(t, 30*time.Second, "both privacy switches announced, open", func() bool {
		_, a := all.last(discoveryTopic(inA.DiscoveryPrefix, "switch/_privacy", w.camA1.ID))
		_, b := all.last(discoveryTopic(inB.DiscoveryPrefix, "switch/_privacy", w.camB1.ID))
		return a && b && privacyOf(inA, w.camA1) == "OFF" && privacyOf(inB, w.camB1) == "OFF"
	})

	b.pub(inA.TopicPrefix+"/"+string(w.camA1.ID)+"/privacy/set", "ON")
	waitFor(t, 30*time.Second, "the viewer's close refused", func() bool {
		return strings.Contains(w.log.String(), "mqtt command refused") && strings.Contains(w.log.String(), "switch-shutter")
	})
	if c, err := w.store.Camera(w.ctx, w.camA1.ID); err != nil || c.Shutter.Closed {
		t.Errorf("A1 after the viewer's ON: closed=%v %v, want open", c.Shutter.Closed, err)
	}

	live := func() error {
		_, err := w.policy.Camera(w.ctx, w.ownerPrincipal(w.ownerB), nvr.ActionViewLive, w.camB1.ID)
		return err
	}
	if err := live(); err != nil {
		t.Fatalf("live view of B1 before the switch: %v", err)
	}
	b.pub(inB.TopicPrefix+"/"+string(w.camB1.ID)+"/privacy/set", "ON")
	waitFor(t, 30*time.Second, "B1's shutter closed and shown ON", func() bool {
		c, err := w.store.Camera(w.ctx, w.camB1.ID)
		return err == nil && c.Shutter.Closed && privacyOf(inB, w.camB1) == "ON"
	})
	if err := live(); err == nil {
		t.Error("live view of B1 granted while Home Assistant closed its shutter")
	}
	entries, err := w.store.Audit(w.ctx, 200)
	if err != nil {
		t.Fatal(err)
	}
	audited := false
	for _, e := range entries {
		if e.CameraID == w.camB1.ID && e.Action == "shutter-close" && e.Result == "ok" {
			audited = e.UserID == w.ownerB.ID && e.Principal == inB.Principal().String()
			if !audited {
				t.Errorf("shutter-close audited as user %d %q, want the integration's token of user %d", e.UserID, e.Principal, w.ownerB.ID)
			}
		}
	}
	if !audited {
		t.Error("no shutter-close audit row for B1")
	}

	b.pub(inB.TopicPrefix+"/"+string(w.camB1.ID)+"/privacy/set", "OFF")
	waitFor(t, 30*time.Second, "B1's shutter open and shown OFF", func() bool {
		c, err := w.store.Camera(w.ctx, w.camB1.ID)
		return err == nil && !c.Shutter.Closed && privacyOf(inB, w.camB1) == "OFF"
	})
	if err := live(); err != nil {
		t.Errorf("live view of B1 after Home Assistant opened it: %v", err)
	}

	// A schedule that keeps it closed for hours around now: Home Assistant's OFF is
	// refused and its switch stays ON (what holds), not its own guess.
	g, err := w.policy.Camera(w.ctx, w.ownerPrincipal(w.ownerB), nvr.ActionSwitchShutter, w.camB1.ID)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	minute := now.Hour()*60 + now.Minute()
	around := nvr.DailyWindow{Start: (minute + 1440 - 60) % 1440, End: (minute + 120) % 1440}
	if _, err := w.dir.SwitchShutter(w.ctx, g, nvr.ShutterChange{Schedule: &around}); err != nil {
		t.Fatalf("schedule: %v", err)
	}
	waitFor(t, 30*time.Second, "B1 shown closed by its schedule", func() bool { return privacyOf(inB, w.camB1) == "ON" })
	b.pub(inB.TopicPrefix+"/"+string(w.camB1.ID)+"/privacy/set", "OFF")
	waitFor(t, 30*time.Second, "the overruled open refused", func() bool {
		return strings.Contains(w.log.String(), "mqtt privacy shutter switch failed")
	})
	if privacyOf(inB, w.camB1) != "ON" {
		t.Errorf("privacy switch shows %q after an overruled open, want ON", privacyOf(inB, w.camB1))
	}
}

// A broker that is down at start, and again mid-run, blocks nothing:
// triggers keep making events, a flood of notices is dropped with a count
// instead of waiting, and the adapter connects (with its credentials) as
// soon as the broker is back. The password appears in no log line.
func TestBrokerOutage(t *testing.T) {
	w := newWorld(t)
	b := newBroker(t, true)
	inA := w.integrate(w.hA, w.ownerA, "")
	w.run(b) // the broker is not running yet
	gA, err := w.policy.Camera(w.ctx, w.ownerPrincipal(w.ownerA), nvr.ActionTriggerEvent, w.camA1.ID)
	if err != nil {
		t.Fatal(err)
	}
	flood := func() {
		t.Helper()
		for range 1000 {
			w.queue.Opened(nvr.Event{CameraID: w.camA1.ID})
		}
		if _, err := w.events.Trigger(w.ctx, gA, "outage", time.Second); err != nil {
			t.Fatalf("trigger with the broker away: %v", err)
		}
	}
	flood()
	if w.queue.Dropped() == 0 {
		t.Errorf("a flood of 1000 notices into a queue of 64 dropped none")
	}
	waitFor(t, 30*time.Second, "a failed connection attempt and the drops logged", func() bool {
		return strings.Contains(w.log.String(), "mqtt connect failed") && strings.Contains(w.log.String(), "dropped")
	})

	b.Start()
	col := b.subscribe(inA.TopicPrefix + "/#")
	waitFor(t, 60*time.Second, "online after the broker came up", func() bool {
		m, ok := col.last(inA.TopicPrefix + "/availability")
		return ok && string(m.payload) == "online"
	})
	waitFor(t, 30*time.Second, "state published", func() bool {
		_, ok := col.last(inA.TopicPrefix + "/" + string(w.camA1.ID) + "/state")
		return ok
	})

	b.Stop()
	flood()
	waitFor(t, 30*time.Second, "the lost connection noticed", func() bool {
		return strings.Contains(w.log.String(), "mqtt connection lost")
	})
	b.Start()
	col2 := b.subscribe(inA.TopicPrefix + "/#")
	waitFor(t, 60*time.Second, "online again after the outage", func() bool {
		m, ok := col2.last(inA.TopicPrefix + "/availability")
		return ok && string(m.payload) == "online"
	})
	waitFor(t, 30*time.Second, "state republished after the outage", func() bool {
		_, ok := col2.last(inA.TopicPrefix + "/" + string(w.camA1.ID) + "/state")
		return ok
	})
	if strings.Contains(w.log.String(), brokerPassword) {
		t.Errorf("the broker password appears in the log")
	}
}

// A camera moved while Hearth was stopped still has its discovery configs
// retained under the old household's prefix; the next run finds them on
// the broker and clears them, since the policy no longer lets that
// household see the camera.
func TestLeftoversOfAnEarlierRunAreCleared(t *testing.T) {
	w := newWorld(t)
	b := newBroker(t, false)
	b.Start()
	inA := w.integrate(w.hA, w.ownerA, "")
	all := b.subscribe("#")
	stop := w.run(b)
	cfgA2 := discoveryTopic(inA.DiscoveryPrefix, "camera", w.camA2.ID)
	waitFor(t, 30*time.Second, "A2 announced", func() bool {
		m, ok := all.last(cfgA2)
		return ok && len(m.payload) > 0
	})
	stop()
	waitFor(t, 10*time.Second, "offline after a shutdown", func() bool {
		m, _ := all.last(inA.TopicPrefix + "/availability")
		return string(m.payload) == "offline"
	})
	if err := w.ops.MoveCamera(w.ctx, w.camA2.ID, w.hB.ID); err != nil {
		t.Fatal(err)
	}
	w.run(b)
	waitFor(t, 30*time.Second, "A2's retained config cleared by the next run", func() bool {
		m, ok := all.last(cfgA2)
		return ok && len(m.payload) == 0
	})
	for _, m := range retainedNow(t, b, inA.DiscoveryPrefix+"/#") {
		if strings.Contains(m.topic, string(w.camA2.ID)) {
			t.Errorf("retained after the next run: %s", m.topic)
		}
	}
}
