package household

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// The model: what the simulation did, and so what each principal may see
// and what each camera must be doing. Everything in it follows from the
// seed and the steps alone, never from timing, so a seed replays.

const (
	households = 3
	camsPerHH  = 2
	// camW×camH is the smallest picture simcam renders; resolution steps
	// switch to altW×altH and back.
	camW, camH = 512, 224
	altW, altH = 640, 368
)

type simUser struct {
	name      string
	household int
	role      string // owner, member, viewer
	admin     bool
	anchor    bool // never changed by a step: the simulation's own eyes on a household
	pw        string
	disabled  bool
	removed   bool
	assigned  map[string]bool
	creds     []*cred
}

// cred is a session cookie or an API token of one user.
type cred struct {
	user    *simUser
	kind    string // session, token
	value   string
	tokenID string // as the CLI names it
	// valid is false once the simulation ended it (logout, revoke, or a
	// disable or password reset of its user, which end every session and
	// token). A credential still marked valid may have been ended by the
	// server for a reason the model does not predict; it may then see
	// less, never more.
	valid bool
}

// endCreds ends every session and token of u.
func (u *simUser) endCreds() {
	for _, c := range u.creds {
		c.valid = false
	}
}

func (c *cred) String() string { return fmt.Sprintf("%s of %s", c.kind, c.user.name) }

type simCamera struct {
	id        string
	name      string
	household int
	since     time.Time // when it came to its household (before the command)
	enabled   bool
	record    string // continuous, events, off
	transport string // tcp, auto, udp
	target    string // sim, canary
	credsOK   bool   // Hearth holds the credentials the simcam wants
	user, pw  string // what the simcam requires ("" for none)
	stalled   bool
	flapping  bool // drops its connections every flapEvery
	wide      bool // altW×altH instead of camW×camH
	audio     bool // a G.711 track beside the video
	everAudio bool // had one at some time: its clips may hold audio
	h265      bool // an H.265 file camera now (its pixels carry no ID pattern)
	everH265  bool // was one at some time: its old footage and thumbnails too
	removed   bool
	sim       *simCam
}

// up: the camera's source sends media Hearth can read.
func (c *simCamera) up() bool {
	return !c.removed && c.enabled && c.target == "sim" && !c.stalled && c.transport != "udp" && c.credsOK
}

// recording: up and continuous, so new footage must be indexed.
func (c *simCamera) recording() bool { return c.up() && c.record == "continuous" }

func (c *simCamera) String() string { return fmt.Sprintf("%s(%s)", c.name, c.id[:8]) }

type world struct {
	t    *testing.T
	bin  hearthBin
	data string
	rng  *rand.Rand
	// checkRng draws the checks' samples, so how many checks ran never
	// changes which steps a seed makes.
	checkRng *rand.Rand
	srv      *serverProc
	hc       *http.Client
	canary   *canary
	users    []*simUser
	cams     []*simCamera
	root     *simUser
	nextID   int // for fresh names
	steps    []string
	seed     uint64
	quietCPU []string // CPU measurements, for the report
	past     []string // every camera password ever entered
	kinds    string   // HEARTH_SIM_KINDS, when set
	watchers []*watcher
	h265File string // an H.265 elementary stream made by ffmpeg at setup
}

// visible is the set of cameras u may see now.
func (w *world) visible(u *simUser) map[string]bool {
	out := map[string]bool{}
	if u.removed || u.disabled || u.admin {
		return out // the admin has no household here: configuration, no video
	}
	for _, c := range w.cams {
		if c.removed || c.household != u.household {
			continue
		}
		if u.role == "viewer" && !u.assigned[c.id] {
			continue
		}
		out[c.id] = true
	}
	return out
}

// allowed is what one credential may see now.
func (w *world) allowed(c *cred) map[string]bool {
	if !c.valid {
		return map[string]bool{}
	}
	return w.visible(c.user)
}

func (w *world) liveCams() []*simCamera {
	var out []*simCamera
	for _, c := range w.cams {
		if !c.removed {
			out = append(out, c)
		}
	}
	return out
}

func (w *world) anchor(h int) *simUser {
	for _, u := range w.users {
		if u.anchor && u.household == h {
			return u
		}
	}
	panic("no anchor")
}

// anchorAPI is the anchor owner of household h, signed in.
func (w *world) anchorAPI(h int) *api {
	return w.as(w.anchor(h).creds[0])
}

func (w *world) as(c *cred) *api {
	a := &api{base: w.srv.url, hc: w.hc}
	if c.kind == "session" {
		a.cookie = c.value
	} else {
		a.token = c.value
	}
	return a
}

func (w *world) rootAPI() *api { return w.as(w.root.creds[0]) }

// secrets are every camera password the simulation ever entered.
func (w *world) secrets() []string {
	out := append([]string(nil), w.past...)
	for _, c := range w.cams {
		if c.pw != "" {
			out = append(out, c.pw)
		}
	}
	return out
}

func (w *world) fresh(prefix string) string {
	w.nextID++
	return fmt.Sprintf("%s%d", prefix, w.nextID)
}

func (w *world) secret() string { return fmt.Sprintf("pw-%016x", w.rng.Uint64()) }

var cameraIDRe = regexp.MustCompile(`camera (\S+) `)

// addCamera adds a camera to household h through the CLI, starts its
// simcam (its ID is Hearth's, so every frame is stamped with it) and
// points the camera at it, with credentials when withCreds.
func (w *world) addCamera(h int, withCreds bool) *simCamera {
	t := w.t
	name := w.fresh(fmt.Sprintf("h%d-cam", h))
	since := time.Now()
	out := w.bin.mustCLI(t, "", "camera", "add", name, "--household", hhName(h), "--main", "rtsp://127.0.0.1:9/unset", "--data", w.data)
	m := cameraIDRe.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no camera ID in %q", out)
	}
	c := &simCamera{id: m[1], name: name, household: h, since: since, enabled: true, record: "continuous",
		transport: "tcp", target: "sim", credsOK: true}
	if withCreds {
		c.user, c.pw = "cam", w.secret()
	}
	sc, err := newSimCam(c.id, c.user, c.pw, camW, camH)
	if err != nil {
		t.Fatal(err)
	}
	c.sim = sc
	t.Cleanup(sc.stop)
	args := []string{"camera", "edit", c.id, "--main", sc.url(), "--data", w.data}
	if withCreds {
		args = append(args, "--rtsp-user", c.user)
	}
	w.bin.mustCLI(t, c.pw+"\n", args...)
	w.cams = append(w.cams, c)
	return c
}

func hhName(h int) string { return fmt.Sprintf("H%d", h) }

// addUser adds a user through the CLI with a view token; the session
// comes at login.
func (w *world) addUser(name string, h int, role string) *simUser {
	u := &simUser{name: name, household: h, role: role, pw: w.secret(), assigned: map[string]bool{}}
	w.bin.mustCLI(w.t, u.pw+"\n", "user", "add", name, "--household", hhName(h), "--role", role, "--data", w.data)
	w.users = append(w.users, u)
	return u
}

var tokenCreatedRe = regexp.MustCompile(`token (\S+) for`)

// token creates a view token for u and returns its credential.
func (w *world) token(u *simUser) *cred {
	stdout, stderr, code, err := w.bin.cli("", "token", "create", "--user", u.name, "--scope", "view", "--data", w.data)
	if err != nil || code != 0 {
		w.fail("token create for %s: exit %d %v: %s", u.name, code, err, stderr)
	}
	m := tokenCreatedRe.FindStringSubmatch(stderr)
	if m == nil {
		w.fail("token create: no ID in %q", stderr)
	}
	c := &cred{user: u, kind: "token", value: strings.TrimSpace(stdout), tokenID: m[1], valid: true}
	u.creds = append(u.creds, c)
	return c
}

// session logs u in and keeps the cookie.
func (w *world) session(u *simUser) *cred {
	ck, err := login(w.hc, w.srv.url, u.name, u.pw)
	if err != nil {
		w.fail("%v", err)
	}
	c := &cred{user: u, kind: "session", value: ck, valid: true}
	u.creds = append(u.creds, c)
	return c
}

// setup makes three households, each with an anchor owner, a member, a
// viewer with half the cameras, and two cameras (one with credentials);
// an appliance admin; a view token for everyone.
func (w *world) setup() {
	t := w.t
	const rootPW = "root passphrase for the simulation"
	for h := range households {
		w.bin.mustCLI(t, "", "household", "add", hhName(h), "--data", w.data)
	}
	w.bin.mustCLI(t, rootPW+"\n", "user", "add", "root", "--admin", "--data", w.data)
	w.root = &simUser{name: "root", household: -1, admin: true, anchor: true, pw: rootPW, assigned: map[string]bool{}}
	w.users = append(w.users, w.root)
	for h := range households {
		a := w.addUser(fmt.Sprintf("anchor%d", h), h, "owner")
		a.anchor = true
		w.addUser(fmt.Sprintf("mem%d", h), h, "member")
		v := w.addUser(fmt.Sprintf("view%d", h), h, "viewer")
		for i := range camsPerHH {
			c := w.addCamera(h, i%2 == 1)
			if i%2 == 0 {
				w.bin.mustCLI(t, "", "user", "assign", v.name, c.id, "--data", w.data)
				v.assigned[c.id] = true
			}
		}
	}
	srv, err := w.bin.startServe(w.data)
	if err != nil {
		t.Fatal(err)
	}
	w.srv = srv
	for _, u := range w.users {
		w.session(u) // creds[0] of an anchor is the session its checks use
		if !u.admin {
			w.token(u)
		}
	}
}

// pick returns a random element.
func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
