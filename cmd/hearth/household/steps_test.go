package household

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hearthnvr/hearth/streams/simcam"
)

// stepKind is one thing people do. applies says whether it can be done in
// the world as it is; do does it and returns what it did, for the step
// list a failure prints.
type stepKind struct {
	name    string
	weight  int
	applies func(w *world) bool
	do      func(w *world) string
}

// stepKinds is the step set. Weights favour the cheap steps; a restart
// or a quiet CPU measurement costs several seconds.
func stepKinds() []stepKind {
	anyCam := func(f func(*simCamera) bool) func(*world) bool {
		return func(w *world) bool { return len(w.camsWhere(f)) > 0 }
	}
	live := func(c *simCamera) bool { return true }
	onSim := func(c *simCamera) bool { return c.target == "sim" }
	return []stepKind{
		{"transport", 4, anyCam(live), stepTransport},
		{"record-mode", 3, anyCam(live), stepRecordMode},
		{"retention", 2, anyCam(live), stepRetention},
		{"zones", 2, anyCam(live), stepZones},
		{"rename", 2, anyCam(live), stepRename},
		{"enable", 3, anyCam(live), stepEnable},
		{"move", 3, anyCam(live), stepMove},
		{"replace", 1, anyCam(live), stepReplace},
		{"url-other-host", 2, anyCam(onSim), stepURLCanary},
		{"url-back", 3, anyCam(func(c *simCamera) bool { return c.target == "canary" }), stepURLBack},
		{"credentials", 2, anyCam(onSim), stepCredentials},
		{"stall", 2, anyCam(func(c *simCamera) bool { return !c.stalled }), stepStall},
		{"unstall", 4, anyCam(func(c *simCamera) bool { return c.stalled }), stepUnstall},
		{"flap", 2, anyCam(live), stepFlap},
		{"flapping", 1, anyCam(func(c *simCamera) bool { return !c.flapping }), stepFlapping},
		{"steady", 3, anyCam(func(c *simCamera) bool { return c.flapping }), stepSteady},
		{"resolution", 2, anyCam(live), stepResolution},
		{"audio", 1, anyCam(live), stepAudio},
		{"codec", 1, anyCam(live), stepCodec},
		{"user-add", 2, func(w *world) bool { return len(w.users) < 24 }, stepUserAdd},
		{"user-remove", 1, anyUser(mutable), stepUserRemove},
		{"user-disable", 2, anyUser(func(u *simUser) bool { return mutable(u) && !u.disabled }), stepUserDisable},
		{"user-enable", 3, anyUser(func(u *simUser) bool { return mutable(u) && u.disabled }), stepUserEnable},
		{"role", 2, anyUser(mutable), stepRole},
		{"assign", 3, func(w *world) bool { return len(w.assignable()) > 0 }, stepAssign},
		{"unassign", 2, func(w *world) bool { return len(w.assignedPairs()) > 0 }, stepUnassign},
		{"token-create", 2, anyUser(active), stepTokenCreate},
		{"token-revoke", 2, func(w *world) bool { return len(w.validCreds("token")) > 0 }, stepTokenRevoke},
		{"passwd", 2, anyUser(mutable), stepPasswd},
		{"login", 2, anyUser(active), stepLogin},
		{"logout", 1, func(w *world) bool { return len(w.validCreds("session", mutable)) > 0 }, stepLogout},
		{"watch", 3, func(w *world) bool { return len(w.watchable()) > 0 }, stepWatch},
		{"trigger-event", 2, anyCam(func(c *simCamera) bool { return c.enabled }), stepTrigger},
		{"restart", 1, func(*world) bool { return true }, stepRestart},
		{"kill-9", 1, func(*world) bool { return true }, stepKill},
		{"quiet", 1, func(*world) bool { return true }, stepQuiet},
	}
}

// mutable users are the ones steps may change: not the anchors, not removed.
func mutable(u *simUser) bool { return !u.anchor && !u.removed }

func active(u *simUser) bool { return !u.removed && !u.disabled && !u.admin }

func anyUser(f func(*simUser) bool) func(*world) bool {
	return func(w *world) bool { return len(w.usersWhere(f)) > 0 }
}

func (w *world) camsWhere(f func(*simCamera) bool) []*simCamera {
	var out []*simCamera
	for _, c := range w.liveCams() {
		if f(c) {
			out = append(out, c)
		}
	}
	return out
}

func (w *world) usersWhere(f func(*simUser) bool) []*simUser {
	var out []*simUser
	for _, u := range w.users {
		if f(u) {
			out = append(out, u)
		}
	}
	return out
}

func (w *world) validCreds(kind string, of ...func(*simUser) bool) []*cred {
	var out []*cred
	for _, u := range w.users {
		if u.anchor || u.removed || (len(of) > 0 && !of[0](u)) {
			continue
		}
		for _, c := range u.creds {
			if c.valid && c.kind == kind {
				out = append(out, c)
			}
		}
	}
	return out
}

type userCam struct {
	u *simUser
	c *simCamera
}

// assignable: a viewer and a camera of their household not yet theirs.
func (w *world) assignable() []userCam {
	var out []userCam
	for _, u := range w.usersWhere(func(u *simUser) bool { return mutable(u) && u.role == "viewer" }) {
		for _, c := range w.liveCams() {
			if c.household == u.household && !u.assigned[c.id] {
				out = append(out, userCam{u, c})
			}
		}
	}
	return out
}

func (w *world) assignedPairs() []userCam {
	var out []userCam
	for _, u := range w.usersWhere(func(u *simUser) bool { return mutable(u) && u.role == "viewer" }) {
		for _, c := range w.liveCams() {
			if u.assigned[c.id] {
				out = append(out, userCam{u, c})
			}
		}
	}
	return out
}

// patch edits a camera through the API as the appliance admin and
// returns the status.
func (w *world) patch(c *simCamera, body map[string]any) int {
	code, _, b, err := w.rootAPI().do("PATCH", "/api/cameras/"+c.id, body)
	if err != nil {
		w.fail("PATCH %s: %v", c, err)
	}
	if code != http.StatusOK && code != http.StatusBadRequest && code != http.StatusConflict {
		w.fail("PATCH %s %v: %d %s", c, body, code, b)
	}
	return code
}

// mustPatch is a PATCH the server must accept, sent by the appliance
// admin or, drawn at random, by the household's owner (who may not aim a
// camera at this appliance's loopback, so URL edits stay the admin's).
func (w *world) mustPatch(c *simCamera, body map[string]any) {
	a, who := w.rootAPI(), "admin"
	if _, url := body["main_url"]; !url && w.rng.IntN(2) == 0 {
		a, who = w.anchorAPI(c.household), "owner"
	}
	code, _, b, err := a.do("PATCH", "/api/cameras/"+c.id, body)
	if err != nil || code != http.StatusOK {
		w.fail("PATCH %s %v as %s: %d %v %s", c, body, who, code, err, b)
	}
}

func (w *world) cli(stdin string, args ...string) string {
	args = append(args, "--data", w.data)
	out, errs, code, err := w.bin.cli(stdin, args...)
	if err != nil || code != 0 {
		w.fail("hearth %v: exit %d %v: %s", args, code, err, errs)
	}
	return out
}

func stepTransport(w *world) string {
	c := pick(w.rng, w.liveCams())
	// UDP now and then: simcam offers only interleaved TCP, so the camera
	// must then be reported down, not streaming.
	t := pick(w.rng, []string{"tcp", "auto", "tcp", "auto", "udp"})
	w.mustPatch(c, map[string]any{"transport": t})
	c.transport = t
	return fmt.Sprintf("transport %s %s", c, t)
}

func stepRecordMode(w *world) string {
	c := pick(w.rng, w.liveCams())
	m := pick(w.rng, []string{"continuous", "continuous", "events", "off"})
	w.mustPatch(c, map[string]any{"record_mode": m})
	c.record = m
	return fmt.Sprintf("record %s %s", c, m)
}

func stepRetention(w *world) string {
	c := pick(w.rng, w.liveCams())
	cd, ed := 1+w.rng.IntN(30), 1+w.rng.IntN(60)
	w.mustPatch(c, map[string]any{"retain_continuous_days": cd, "retain_events_days": ed})
	return fmt.Sprintf("retention %s %dd/%dd", c, cd, ed)
}

func stepZones(w *world) string {
	c := pick(w.rng, w.liveCams())
	var zones []map[string]any
	for i := range w.rng.IntN(3) {
		x, y := w.rng.Float64()*0.5, w.rng.Float64()*0.5
		zones = append(zones, map[string]any{"name": fmt.Sprintf("z%d", i), "mask": w.rng.IntN(3) == 0,
			"polygon": [][2]float64{{x, y}, {x + 0.4, y}, {x + 0.4, y + 0.4}, {x, y + 0.4}}})
	}
	if zones == nil {
		zones = []map[string]any{}
	}
	w.mustPatch(c, map[string]any{"zones": zones})
	return fmt.Sprintf("zones %s %d", c, len(zones))
}

func stepRename(w *world) string {
	c := pick(w.rng, w.liveCams())
	old := c.name
	c.name = w.fresh(fmt.Sprintf("h%d-cam", c.household))
	w.mustPatch(c, map[string]any{"name": c.name})
	return fmt.Sprintf("rename %s from %s", c, old)
}

func stepEnable(w *world) string {
	c := pick(w.rng, w.liveCams())
	c.enabled = !c.enabled
	w.mustPatch(c, map[string]any{"enabled": c.enabled})
	return fmt.Sprintf("enabled %s %v", c, c.enabled)
}

func stepMove(w *world) string {
	c := pick(w.rng, w.liveCams())
	to := (c.household + 1 + w.rng.IntN(households-1)) % households
	since := time.Now()
	w.cli("", "camera", "move", c.id, "--household", hhName(to))
	from := c.household
	c.household, c.since = to, since
	for _, u := range w.users {
		delete(u.assigned, c.id) // a move drops the old household's viewers
	}
	return fmt.Sprintf("move %s H%d→H%d", c, from, to)
}

func stepReplace(w *world) string {
	c := pick(w.rng, w.liveCams())
	w.cli("", "camera", "remove", c.id)
	c.removed = true
	c.sim.stop()
	n := w.addCamera(w.rng.IntN(households), w.rng.IntN(2) == 0)
	return fmt.Sprintf("remove %s, add %s in H%d", c, n, n.household)
}

func stepURLCanary(w *world) string {
	c := pick(w.rng, w.camsWhere(func(c *simCamera) bool { return c.target == "sim" }))
	before := w.canary.requests()
	// No credentials in the edit: the stored ones were entered for the
	// camera's host, not for this one.
	code := w.patch(c, map[string]any{"main_url": w.canary.url("/cam/" + c.id[:6])})
	if code != http.StatusOK {
		return fmt.Sprintf("url %s → other host: refused (%d)", c, code)
	}
	c.target = "canary"
	if c.enabled {
		// The invariant is only worth something if Hearth did dial the
		// canary: wait for it to (through backoff; bounded).
		w.waitFor(90*time.Second, "Hearth dials the canary", func() (bool, string) {
			return w.canary.requests() > before, fmt.Sprintf("%d requests", w.canary.requests())
		})
	}
	return fmt.Sprintf("url %s → other host %s", c, w.canary)
}

func stepURLBack(w *world) string {
	c := pick(w.rng, w.camsWhere(func(c *simCamera) bool { return c.target == "canary" }))
	body := map[string]any{"main_url": c.sim.url()}
	if c.user != "" {
		body["username"], body["password"] = c.user, c.pw
	}
	w.mustPatch(c, body)
	c.target, c.credsOK = "sim", true
	return fmt.Sprintf("url %s → its camera (credentials again: %v)", c, c.user != "")
}

func stepCredentials(w *world) string {
	c := pick(w.rng, w.camsWhere(func(c *simCamera) bool { return c.target == "sim" }))
	if c.user == "" {
		c.user = "cam"
	}
	c.pw = w.secret()
	w.past = append(w.past, c.pw)
	// The camera first, then Hearth: the edit restarts the ingest with the
	// new password at once, where the other order would have it refused
	// by the camera and pause 30 s or more (the auth-failed backoff).
	user, pw := c.user, c.pw
	if err := c.sim.restart(func(cfg *simcam.ServerConfig) { cfg.Username, cfg.Password = user, pw }); err != nil {
		w.fail("%v", err)
	}
	w.mustPatch(c, map[string]any{"username": c.user, "password": c.pw})
	c.credsOK = true
	return fmt.Sprintf("credentials %s new password (camera and Hearth)", c)
}

func stepStall(w *world) string {
	c := pick(w.rng, w.camsWhere(func(c *simCamera) bool { return !c.stalled }))
	c.sim.setStall(true)
	c.stalled = true
	return fmt.Sprintf("stall %s", c)
}

func stepUnstall(w *world) string {
	c := pick(w.rng, w.camsWhere(func(c *simCamera) bool { return c.stalled }))
	c.sim.setStall(false)
	c.stalled = false
	return fmt.Sprintf("unstall %s", c)
}

func stepFlap(w *world) string {
	c := pick(w.rng, w.liveCams())
	c.sim.dropClients()
	return fmt.Sprintf("flap %s (connections dropped)", c)
}

// flapEvery is how often a flapping camera drops its connections.
const flapEvery = 8 * time.Second

// stepFlapping makes a camera drop every connection every flapEvery
// until stepSteady: while it flaps, only the measured-state check holds
// it; once steady it must record again within the usual bound.
func stepFlapping(w *world) string {
	c := pick(w.rng, w.camsWhere(func(c *simCamera) bool { return !c.flapping }))
	c.flapping = true
	if err := c.sim.restart(func(cfg *simcam.ServerConfig) { cfg.FlapEvery = flapEvery }); err != nil {
		w.fail("%v", err)
	}
	return fmt.Sprintf("flapping %s (every %s)", c, flapEvery)
}

func stepSteady(w *world) string {
	c := pick(w.rng, w.camsWhere(func(c *simCamera) bool { return c.flapping }))
	c.flapping = false
	if err := c.sim.restart(func(cfg *simcam.ServerConfig) { cfg.FlapEvery = 0 }); err != nil {
		w.fail("%v", err)
	}
	return fmt.Sprintf("steady %s", c)
}

func stepResolution(w *world) string {
	c := pick(w.rng, w.liveCams())
	c.wide = !c.wide
	wd, ht := camW, camH
	if c.wide {
		wd, ht = altW, altH
	}
	if err := c.sim.restart(func(cfg *simcam.ServerConfig) {
		if cfg.Cameras[0].File == "" { // an H.265 file camera has its file's size
			cfg.Cameras[0].Width, cfg.Cameras[0].Height = wd, ht
		}
	}); err != nil {
		w.fail("%v", err)
	}
	return fmt.Sprintf("resolution %s %dx%d", c, wd, ht)
}

// stepAudio brings the camera back with a G.711 track added or removed:
// another set of codecs behind the same URL.
func stepAudio(w *world) string {
	c := pick(w.rng, w.liveCams())
	c.audio = !c.audio
	c.everAudio = c.everAudio || c.audio
	on := c.audio
	if err := c.sim.restart(func(cfg *simcam.ServerConfig) { cfg.Audio = on }); err != nil {
		w.fail("%v", err)
	}
	return fmt.Sprintf("audio %s G.711 %v", c, on)
}

// stepCodec brings the camera back as H.265 (looping a file ffmpeg made,
// stamped with the camera's SEI) or, from H.265, as the rendered H.264
// camera again.
func stepCodec(w *world) string {
	c := pick(w.rng, w.liveCams())
	c.h265 = !c.h265
	if c.h265 {
		c.everH265 = true
	}
	h265, file, wide := c.h265, w.h265File, c.wide
	if err := c.sim.restart(func(cfg *simcam.ServerConfig) {
		cc := &cfg.Cameras[0]
		cc.File, cc.Width, cc.Height = "", camW, camH
		if wide {
			cc.Width, cc.Height = altW, altH
		}
		if h265 {
			cc.File, cc.Width, cc.Height = file, 0, 0
		}
	}); err != nil {
		w.fail("%v", err)
	}
	if h265 {
		return fmt.Sprintf("codec %s H.265", c)
	}
	return fmt.Sprintf("codec %s H.264", c)
}

func stepTrigger(w *world) string {
	c := pick(w.rng, w.camsWhere(func(c *simCamera) bool { return c.enabled }))
	code, _, b, err := w.anchorAPI(c.household).do("POST", "/api/cameras/"+c.id+"/events",
		map[string]any{"label": "sim", "duration_s": 2})
	if err != nil || code >= 500 || code == http.StatusNotFound || code == http.StatusUnauthorized {
		w.fail("trigger %s: %d %v %s", c, code, err, b)
	}
	return fmt.Sprintf("trigger event %s (%d)", c, code)
}

func stepRestart(w *world) string {
	old := w.srv
	w.srv = nil // stopped: nothing for the cleanup to stop if the start fails
	if err := old.stop(); err != nil {
		w.fail("graceful stop: %v\n%s", err, tail(withoutAccessLog(old.stderr.String()), 4000))
	}
	w.restarted()
	return "restart (SIGTERM)"
}

func stepKill(w *world) string {
	w.srv.kill()
	w.srv = nil
	w.restarted()
	return "restart (kill -9)"
}

// restarted starts the server again on the same data and checks that
// index and files agree (invariant 5).
func (w *world) restarted() {
	srv, err := w.bin.startServe(w.data)
	if err != nil {
		w.fail("%v", err)
	}
	w.srv = srv
	out, errs, code, err := w.bin.cli("", "check", "--data", w.data)
	if err != nil || code != 0 {
		w.fail("invariant 5: hearth check after restart: exit %d %v\n%s%s", code, err, out, errs)
	}
}

func stepQuiet(w *world) string {
	return w.quiet()
}

// ownerOrCLI does one change to user u, drawn at random between the CLI
// (args) and the owner's API (method on /api/household/members/{uid}
// plus sub, with body) as the anchor owner of u's household; it returns
// which it used.
// userID looks a user's ID up through the admin API (as text: a number
// today, whatever opaque form it takes tomorrow).
