package mqtt

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/hearthnvr/hearth/nvr"
)

// Reconnect pacing (ARCHITECTURE.md invariant 7): exponential backoff with
// full jitter, capped at 30 s.
const (
	backoffBase = 500 * time.Millisecond
	backoffCap  = 30 * time.Second
	// opTimeout bounds one connect, publish or subscribe round trip.
	opTimeout = 5 * time.Second
	// maxThumbnail bounds a thumbnail read for publishing.
	maxThumbnail = 4 << 20
)

// command is an MQTT command received for a camera.
type command struct {
	cam     nvr.CameraID
	leaf    string
	payload string
}

// worker is one integration's broker connection and its passes.
type worker struct {
	cfg    Config
	deps   Deps
	in     nvr.Integration
	t      topics
	log    *slog.Logger
	events chan notice  // from the service, bounded
	cmds   chan command // from paho's handlers, bounded
	// dropped counts notices and commands refused by a full queue.
	dropped atomic.Int64

	// leftovers are retained discovery configs seen on the broker, from
	// this or an earlier run; a pass clears those of cameras not visible.
	mu        sync.Mutex
	leftovers map[string]nvr.CameraID

	// Published state of this connection, reset on each connect so that a
	// new session publishes everything afresh. Touched by run's goroutine
	// only.
	announced map[nvr.CameraID]string // camera → its discovery configs, as sent
	sent      map[string]string       // retained topic → payload sent
	withdrawn bool                    // a removed integration's topics were cleared

	// open are the events told as started and not yet as ended, per
	// camera, with their start: motion is ON while any is open (a doorbell
	// ending in the middle of a motion event turned it OFF). Kept across
	// connections; touched by run's goroutine only.
	open map[nvr.CameraID]map[nvr.EventID]time.Time
}

// staleOpenEvent bounds how long an event is held open without its end
// being told (a notice dropped by a full queue): events are split at 30
// minutes (events.DefaultMaxEventDuration), so twice that is surely over.
const staleOpenEvent = time.Hour

func newWorker(cfg Config, deps Deps, in nvr.Integration) *worker {
	return &worker{cfg: cfg, deps: deps, in: in, t: topicsOf(in),
		log:    cfg.Log.With("integration", integrationName(in)),
		events: make(chan notice, cfg.QueueSize), cmds: make(chan command, cfg.QueueSize),
		open: map[nvr.CameraID]map[nvr.EventID]time.Time{}}
}

// offer hands a notice to the worker without waiting.
func (w *worker) offer(n notice) {
	select {
	case w.events <- n:
	default:
		w.dropped.Add(1)
	}
}

// run connects, serves and reconnects until ctx ends.
func (w *worker) run(ctx context.Context) {
	defer func() {
		// Removed while no session ran (between attempts): withdraw with a
		// connection of its own.
		if errors.Is(context.Cause(ctx), errRemoved) && !w.withdrawn {
			bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 4*opTimeout)
			defer cancel()
			w.withdrawAll(bg, nil)
		}
	}()
	for attempt := 0; ctx.Err() == nil; attempt++ {
		lost := make(chan struct{})
		var once sync.Once
		c := paho.NewClient(w.options(func() { once.Do(func() { close(lost) }) }))
		tok := c.Connect()
		err := wait(ctx, tok)
		if err != nil {
			// An attempt cut short by ctx may still complete inside paho:
			// let it end (ConnectTimeout bounds it) and close whatever it
			// opened, so no connection outlives the worker.
			tok.WaitTimeout(opTimeout)
			if c.IsConnected() {
				c.Disconnect(0)
			}
		}
		if err == nil {
			attempt = -1 // a session began: the next failure starts the backoff over
			w.log.Info("mqtt connected")
			w.session(ctx, c, lost)
			w.finish(ctx, c)
			c.Disconnect(250)
			continue
		}
		if ctx.Err() != nil {
			return
		}
		// paho's connect errors name the broker's refusal reason, never the
		// password.
		w.log.Warn("mqtt connect failed", "err", err, "dropped", w.dropped.Load())
		d := min(backoffCap, backoffBase<<min(attempt, 10))
		select {
		case <-ctx.Done():
			return
		case <-time.After(rand.N(d) + 50*time.Millisecond):
		}
	}
}

func (w *worker) options(onLost func()) *paho.ClientOptions {
	o := paho.NewClientOptions().AddBroker(w.cfg.BrokerURL).
		SetClientID(w.cfg.ClientID+"-"+strconv.FormatInt(w.in.ID, 10)).
		SetCleanSession(true).
		// Reconnecting is ours (run), with jitter and the context.
		SetAutoReconnect(false).SetConnectRetry(false).
		SetConnectTimeout(opTimeout).SetWriteTimeout(opTimeout).SetKeepAlive(30*time.Second).
		// Commands arrive on paho's goroutine and go to a bounded queue.
		SetOrderMatters(false).
		SetWill(w.t.availability(), payloadOffline, 1, true).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			w.log.Warn("mqtt connection lost", "err", err)
			onLost()
		})
	if w.cfg.Username != "" {
		o.SetUsername(w.cfg.Username).SetPassword(w.cfg.Password)
	}
	if tc, _ := w.cfg.tlsConfig(); tc != nil { // checked by New
		o.SetTLSConfig(tc)
	}
	return o
}

// session serves one connection until it is lost or ctx ends.
func (w *worker) session(ctx context.Context, c paho.Client, lost <-chan struct{}) {
	w.announced, w.sent = map[nvr.CameraID]string{}, map[string]string{}
	w.mu.Lock()
	w.leftovers = map[string]nvr.CameraID{}
	w.mu.Unlock()
	if err := w.publish(ctx, c, w.t.availability(), []byte(payloadOnline), true); err != nil {
		return
	}
	subs := map[string]paho.MessageHandler{
		w.t.prefix + "/+/" + leafRecordSet:                  w.onCommand,
		w.t.prefix + "/+/" + leafTrigger:                    w.onCommand,
		w.t.prefix + "/+/" + leafPrivacySet:                 w.onCommand,
		w.t.discovery + "/+/" + discoveryNode + "/+/config": w.onDiscovery,
	}
	for topic, h := range subs {
		if err := wait(ctx, c.Subscribe(topic, 1, h)); err != nil {
			w.log.Warn("mqtt subscribe", "topic", topic, "err", err)
			return
		}
	}
	tick := time.NewTicker(w.cfg.Interval)
	defer tick.Stop()
	w.pass(ctx, c)
	for {
		select {
		case <-ctx.Done():
			return
		case <-lost:
			return
		case <-tick.C:
			w.pass(ctx, c)
		case n := <-w.events:
			w.event(ctx, c, n)
		case cmd := <-w.cmds:
			w.command(ctx, c, cmd)
		}
	}
}

// finish ends a session: a removed integration clears everything it
// published; a shutdown says offline (the broker keeps it retained) and
// leaves Home Assistant its entities.
func (w *worker) finish(ctx context.Context, c paho.Client) {
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 4*opTimeout)
	defer cancel()
	if errors.Is(context.Cause(ctx), errRemoved) {
		w.withdrawAll(bg, c)
		w.withdrawn = true
		return
	}
	_ = w.publish(bg, c, w.t.availability(), []byte(payloadOffline), true)
}

// withdrawAll clears every camera this integration ever announced on the
// broker, from this run or an earlier one, when the integration is
// removed. Removed while the broker was away, it connects once more to do
// so; a failure is logged (the configs stay until the broker forgets them).
func (w *worker) withdrawAll(ctx context.Context, c paho.Client) {
	if c == nil || !c.IsConnectionOpen() {
		c = paho.NewClient(w.options(func() {}))
		if err := wait(ctx, c.Connect()); err != nil {
			w.log.Warn("mqtt integration removed while the broker is away; its retained topics stay", "err", err)
			return
		}
		defer c.Disconnect(250)
	}
	w.mu.Lock()
	w.leftovers = map[string]nvr.CameraID{}
	w.mu.Unlock()
	// Subscribing again has the broker send every retained config anew.
	if err := wait(ctx, c.Subscribe(w.t.discovery+"/+/"+discoveryNode+"/+/config", 1, w.onDiscovery)); err != nil {
		w.log.Warn("mqtt withdraw: subscribe", "err", err)
	}
	// Retained messages follow the subscription at once; wait until none
	// came for a while (bounded).
	for prev, deadline := -1, time.Now().Add(3*time.Second); time.Now().Before(deadline); {
		w.mu.Lock()
		n := len(w.leftovers)
		w.mu.Unlock()
		if n == prev {
			break
		}
		prev = n
		select {
		case <-ctx.Done():
			return
		case <-time.After(300 * time.Millisecond):
		}
	}
	w.mu.Lock()
	ids := map[nvr.CameraID]bool{}
	for _, id := range w.leftovers {
		ids[id] = true
	}
	w.mu.Unlock()
	for id := range w.announced {
		ids[id] = true
	}
	for id := range ids {
		w.forget(ctx, c, id)
	}
	_ = w.publish(ctx, c, w.t.availability(), []byte(payloadOffline), true)
	w.log.Info("mqtt integration removed; its topics were cleared", "cameras", len(ids))
}

// onDiscovery records retained configs of this integration's node.
func (w *worker) onDiscovery(_ paho.Client, m paho.Message) {
	id, ok := w.t.discoveryCamera(m.Topic())
	if !ok || len(m.Payload()) == 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.leftovers) < 4096 {
		w.leftovers[m.Topic()] = id
	}
}

// onCommand hands a command to the worker's goroutine, never blocking
// paho's.
func (w *worker) onCommand(_ paho.Client, m paho.Message) {
	if m.Retained() {
		return // a command left on the broker is not a request made now
	}
	id, leaf, ok := w.t.commandCamera(m.Topic())
	if !ok {
		return
	}
	p := m.Payload()
	if len(p) > 256 {
		p = p[:256]
	}
	select {
	case w.cmds <- command{cam: id, leaf: leaf, payload: string(p)}:
	default:
		w.dropped.Add(1)
	}
}

// visible decides, now, which cameras of the integration's household its
// principal may see. A revoked token or a gone user sees none.
func (w *worker) visible(ctx context.Context) (map[nvr.CameraID]nvr.CameraGrant, error) {
	grants, err := w.deps.Policy.VisibleCameras(ctx, w.in.Principal(), nvr.ActionViewCamera)
	if err != nil && nvr.ErrorKind(err) != nvr.KindUnauthorized {
		return nil, err
	}
	out := map[nvr.CameraID]nvr.CameraGrant{}
	for _, g := range grants {
		// The household check is the policy's (Integration.Holds): a token user moved
		// to another household must not carry its cameras into this prefix.
		if w.in.Holds(g) {
			out[g.CameraID()] = g
		}
	}
	return out, nil
}

// pass publishes discovery and state for every camera visible now and
// clears every camera that is not.
func (w *worker) pass(ctx context.Context, c paho.Client) {
	vis, err := w.visible(ctx)
	if err != nil {
		w.log.Warn("mqtt pass: decide cameras", "err", err)
		return
	}
	for id, g := range vis {
		cam := g.Camera()
		cfgs := w.t.discoveryConfigs(cam)
		sig := signature(cfgs)
		if w.announced[id] != sig {
			ok := true
			for topic, payload := range cfgs {
				if w.publish(ctx, c, topic, payload, true) != nil {
					ok = false
				}
			}
			if ok {
				w.announced[id] = sig
			}
		}
		w.retain(ctx, c, w.t.camera(id, leafState), cameraState(w.deps.Status.Status(g)))
		w.retain(ctx, c, w.t.camera(id, leafRecording), onOff(cam.RecordMode != nvr.RecordOff))
		w.retain(ctx, c, w.t.camera(id, leafPrivacy), onOff(cam.Shutter.ClosedAt(w.cfg.Now())))
	}
	for id := range w.announced {
		if _, ok := vis[id]; !ok {
			w.forget(ctx, c, id)
		}
	}
	w.mu.Lock()
	left := w.leftovers
	w.leftovers = map[string]nvr.CameraID{}
	w.mu.Unlock()
	for topic, id := range left {
		if _, ok := vis[id]; !ok {
			_ = w.publish(ctx, c, topic, nil, true)
			for _, leaf := range retainedLeaves() {
				_ = w.publish(ctx, c, w.t.camera(id, leaf), nil, true)
			}
		}
	}
}

// forget removes camera id from Home Assistant and the broker: empty
// retained payloads for its discovery configs and its retained state.
func (w *worker) forget(ctx context.Context, c paho.Client, id nvr.CameraID) {
	for _, e := range entities() {
		_ = w.publish(ctx, c, w.t.discoveryConfig(e, id), nil, true)
	}
	for _, leaf := range retainedLeaves() {
		topic := w.t.camera(id, leaf)
		_ = w.publish(ctx, c, topic, nil, true)
		delete(w.sent, topic)
	}
	delete(w.announced, id)
	w.log.Info("mqtt camera withdrawn", "camera", string(id))
}

// retain publishes a retained text payload when it changed.
func (w *worker) retain(ctx context.Context, c paho.Client, topic, payload string) {
	if w.sent[topic] == payload {
		return
	}
	if w.publish(ctx, c, topic, []byte(payload), true) == nil {
		w.sent[topic] = payload
	}
}

// publish sends one message and waits for the broker (QoS 1). Nothing is
// queued for a broker that is away: the next session republishes state.
func (w *worker) publish(ctx context.Context, c paho.Client, topic string, payload []byte, retained bool) error {
	if !c.IsConnectionOpen() {
		return errors.New("not connected")
	}
	if payload == nil {
		payload = []byte{}
	}
	err := wait(ctx, c.Publish(topic, 1, retained, payload))
	if err != nil && ctx.Err() == nil {
		w.log.Warn("mqtt publish", "topic", topic, "err", err)
	}
	return err
}

// wait waits for a paho token, the context or opTimeout.
func wait(ctx context.Context, t paho.Token) error {
	timer := time.NewTimer(opTimeout)
	defer timer.Stop()
	select {
	case <-t.Done():
		return t.Error()
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return errors.New("timed out")
	}
}

// signature identifies a camera's discovery configs as sent, so a renamed
// camera is announced again and an unchanged one is not.
func signature(cfgs map[string][]byte) string {
	var s []byte
	for _, topic := range slices.Sorted(maps.Keys(cfgs)) {
		s = append(append(append(s, topic...), 0), cfgs[topic]...)
	}
	return string(s)
}
