package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/cmd/internal/stamps"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// The isolation storm's outward paths: each household's Home Assistant
// integration on a real mosquitto, read by one mosquitto_sub per household,
// and RTSP restream clients (gortsplib's) with a user's view token.

// stormPathCounts are what the outward paths checked.
type stormPathCounts struct {
	mqttMessages, mqttThumbs  atomic.Int64 // messages read under a household's prefixes; thumbnails read back by their pixels
	mqttEvents                atomic.Int64 // event start/end messages
	rtspSessions, rtspFrames  atomic.Int64 // restream sessions held; pictures checked by SEI
	rtspProbes, rtspRevokedOK atomic.Int64 // foreign cameras refused; revoked cameras refused
}

// freeLoopbackAddr is a loopback TCP address free a moment ago (for a
// listener the tested binary opens itself).
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// stormMQTT is every household's integration and its subscriber.
type stormMQTT struct {
	broker *mosquitto
	cancel context.CancelFunc
	wg     sync.WaitGroup
	cmds   []*exec.Cmd
}

// integrateStorm starts a broker, makes each household's integration for
// its owner (its own discovery prefix, as the README tells a second
// household on one broker to do) and subscribes to each household's two
// prefixes. Every message is checked as it arrives: the camera its topic
// names must be its household's, no payload may carry another household's
// camera ID, an event names its topic's camera, and a thumbnail's pixels
// must show its topic's camera.
func integrateStorm(t *testing.T, site *isoSite, counts *stormCounts, paths *stormPathCounts) *stormMQTT {
	t.Helper()
	m := &stormMQTT{broker: startMosquitto(t)}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	for h, name := range site.households {
		out := mustCLI(t, "", "mqtt", "add", name, "--token-user", fmt.Sprintf("own%d", h),
			"--discovery-prefix", fmt.Sprintf("ha-%d", h), "--data", site.data)
		prefix := ""
		for _, f := range strings.Fields(out) {
			if strings.HasPrefix(f, "hearth/") {
				prefix = strings.TrimSuffix(f, ",")
			}
		}
		if prefix == "" {
			t.Fatalf("mqtt add %s named no topic prefix: %s", name, out)
		}
		disc := fmt.Sprintf("ha-%d", h)
		cmd := m.broker.Client(ctx, "mosquitto_sub", "-t", prefix+"/#", "-t", disc+"/#", "-F", "%t\t%x")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		m.cmds = append(m.cmds, cmd)
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			sc := bufio.NewScanner(stdout)
			sc.Buffer(make([]byte, 64<<10), 4<<20) // hex thumbnails
			for sc.Scan() {
				topic, hx, ok := strings.Cut(sc.Text(), "\t")
				if !ok {
					continue
				}
				payload, err := hex.DecodeString(hx)
				if err != nil {
					counts.violate("mqtt %s: payload not hex", topic)
					continue
				}
				checkStormMessage(site, h, prefix, disc, topic, payload, counts, paths)
			}
		}()
	}
	return m
}

// checkStormMessage checks one message read under household h's prefixes.
func checkStormMessage(site *isoSite, h int, prefix, disc, topic string, payload []byte, counts *stormCounts, paths *stormPathCounts) {
	paths.mqttMessages.Add(1)
	for id, owner := range site.owner {
		if owner != site.households[h] && (strings.Contains(topic, id) || strings.Contains(string(payload), id)) {
			counts.violate("mqtt: %s's prefixes carry camera %s of %s (topic %s)", site.households[h], id, owner, topic)
			return
		}
	}
	var cam, leaf string
	switch {
	case topic == prefix+"/availability":
		return
	case strings.HasPrefix(topic, prefix+"/"):
		cam, leaf, _ = strings.Cut(strings.TrimPrefix(topic, prefix+"/"), "/")
	case strings.HasPrefix(topic, disc+"/"):
		parts := strings.Split(strings.TrimPrefix(topic, disc+"/"), "/")
		if len(parts) != 4 {
			counts.violate("mqtt: unexpected discovery topic %s", topic)
			return
		}
		cam = strings.TrimSuffix(parts[2], "_privacy")
	default:
		counts.violate("mqtt: subscriber of %s got %s", site.households[h], topic)
		return
	}
	if site.owner[cam] != site.households[h] {
		counts.violate("mqtt: %s's topic %s names camera %q of %q", site.households[h], topic, cam, site.owner[cam])
		return
	}
	switch leaf {
	case "event":
		var ev struct{ Camera string }
		if json.Unmarshal(payload, &ev) != nil || ev.Camera != cam {
			counts.violate("mqtt: event on %s names camera %q", topic, ev.Camera)
			return
		}
		paths.mqttEvents.Add(1)
	case "thumbnail":
		if len(payload) == 0 {
			return // a withdrawal
		}
		id, err := stamps.ThumbnailCamera("image/jpeg", payload)
		if err != nil {
			return // a picture without a readable stamp proves nothing either way
		}
		if id != cam {
			counts.violate("mqtt: thumbnail on %s shows camera %s of %s", topic, id, site.owner[id])
			return
		}
		paths.mqttThumbs.Add(1)
	}
}

// Close stops the subscribers after the messages in flight were read.
func (m *stormMQTT) Close() {
	time.Sleep(500 * time.Millisecond) // the last publishes reach the subscribers
	m.cancel()
	for _, c := range m.cmds {
		_ = c.Wait()
	}
	m.wg.Wait()
}

// restream holds one RTSP restream session on a visible camera for hold,
// with the user's name and view token as digest credentials, checking every
// picture's SEI stamp. A camera whose assignment was removed well before
// is refused; first a foreign camera is tried and must be refused the same
// way (401, at DESCRIBE: it costs the storm nothing).
func (c *stormClient) restream(ctx context.Context, addr string, inbox *stormInbox, paths *stormPathCounts, hold time.Duration) {
	url := func(cam string) string { return "rtsp://" + c.u.name + ":" + c.u.token + "@" + addr + "/cam/" + cam }
	if cam := c.foreignCam(); cam != "" {
		got, err := testpeer.RTSPStamps(ctx, url(cam), time.Second)
		switch {
		case err != nil && strings.Contains(err.Error(), "401"):
			paths.rtspProbes.Add(1)
		case err == nil:
			c.counts.violate("%s: restream of %s's camera %s admitted (%d cameras' pictures)", c.u.name, c.site.owner[cam], cam, len(got))
		}
	}
	cam := c.visibleCam()
	revoked := inbox.revokedBefore(c.u.name, cam, time.Now())
	got, err := testpeer.RTSPStamps(ctx, url(cam), hold)
	if revoked {
		if err == nil {
			c.counts.violate("%s: restream of camera %s admitted after its assignment was removed", c.u.name, cam)
		} else if strings.Contains(err.Error(), "401") {
			paths.rtspRevokedOK.Add(1)
		}
		return
	}
	if err != nil {
		return // the camera restarting (503), the storm's load
	}
	for id, n := range got {
		if id != "" && id != cam {
			c.counts.violate("%s: restream of %s carried %d pictures of camera %s (household %s)", c.u.name, cam, n, id, c.site.owner[id])
		}
	}
	paths.rtspSessions.Add(1)
	paths.rtspFrames.Add(got[cam])
}
