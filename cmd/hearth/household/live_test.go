package household

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/coder/websocket"
	"github.com/hearthnvr/hearth/streams/sei"
)

// maxWatchers bounds the live sessions the simulation holds open.
const maxWatchers = 3

// revokeDeadline bounds how long a live session may outlive its access:
// ARCHITECTURE.md promises one second, and a test may only assert time
// with a tenfold margin.
const revokeDeadline = 10 * time.Second

// watcher is one live MSE session (WebSocket, fMP4) of a credential on a
// camera, read by its own goroutine, which stops when the session ends
// or stop is called. Every fragment's SEI stamp is checked against the
// camera asked for.
type watcher struct {
	cr     *cred
	cam    *simCamera
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	frames  int
	foreign string // the first stamp of another camera, if any
	err     error
}

func (wt *watcher) String() string { return fmt.Sprintf("live view of %s by %s", wt.cam, wt.cr) }

func (wt *watcher) stop() {
	wt.cancel()
	<-wt.done
}

func (wt *watcher) closed() bool {
	select {
	case <-wt.done:
		return true
	default:
		return false
	}
}

// watch opens an MSE session; it returns nil when the server refuses it
// (the camera may not be streaming yet: 503).
func (w *world) watch(cr *cred, cam *simCamera) (*watcher, error) {
	hdr := http.Header{}
	if cr.kind == "session" {
		hdr.Set("Cookie", cr.value)
	} else {
		hdr.Set("Authorization", "Bearer "+cr.value)
	}
	wsURL := "ws" + strings.TrimPrefix(w.srv.url, "http") + "/api/cameras/" + cam.id + "/mse"
	dialCtx, dialCancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer dialCancel()
	conn, resp, err := websocket.Dial(dialCtx, wsURL, &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusServiceUnavailable {
			return nil, nil
		}
		return nil, fmt.Errorf("mse dial %s by %s: %w (%v)", cam, cr, err, resp)
	}
	conn.SetReadLimit(16 << 20)
	ctx, cancel := context.WithCancel(context.Background())
	wt := &watcher{cr: cr, cam: cam, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(wt.done)
		defer conn.CloseNow()
		wt.read(ctx, conn)
	}()
	return wt, nil
}

func (wt *watcher) read(ctx context.Context, conn *websocket.Conn) {
	setErr := func(err error) {
		wt.mu.Lock()
		wt.err = err
		wt.mu.Unlock()
	}
	typ, p, err := conn.Read(ctx)
	if err != nil {
		return
	}
	var hello struct{ Camera string }
	if typ != websocket.MessageText || json.Unmarshal(p, &hello) != nil {
		setErr(fmt.Errorf("hello %q", p))
		return
	}
	if hello.Camera != wt.cam.id {
		wt.mu.Lock()
		wt.foreign = "hello of camera " + hello.Camera
		wt.mu.Unlock()
		return
	}
	if _, p, err = conn.Read(ctx); err != nil {
		return
	}
	var in fmp4.Init
	if err := in.Unmarshal(bytes.NewReader(p)); err != nil {
		setErr(fmt.Errorf("init: %w", err))
		return
	}
	// Bounded by the session: it ends when stopped, revoked or the
	// server goes; a reader that stops reading is what the server drops.
	for {
		_, p, err := conn.Read(ctx)
		if err != nil {
			return
		}
		var parts fmp4.Parts
		if err := parts.Unmarshal(p); err != nil {
			setErr(fmt.Errorf("fragment: %w", err))
			return
		}
		for _, part := range parts {
			for _, tr := range part.Tracks {
				for _, s := range tr.Samples {
					var au h264.AVCC
					if au.Unmarshal(s.Payload) != nil {
						continue // audio
					}
					st, ok := sei.Find(au)
					if !ok {
						st, ok = sei.FindH265(au)
					}
					if !ok {
						continue
					}
					wt.mu.Lock()
					wt.frames++
					if st.CameraID != wt.cam.id && wt.foreign == "" {
						wt.foreign = st.CameraID
					}
					wt.mu.Unlock()
				}
			}
		}
	}
}

// watchable: a credential that may see a camera that is up now.
func (w *world) watchable() []credCam {
	var out []credCam
	for _, u := range w.users {
		for _, cr := range u.creds {
			allowed := w.allowed(cr)
			for _, c := range w.liveCams() {
				if allowed[c.id] && c.up() {
					out = append(out, credCam{cr, c})
				}
			}
		}
	}
	return out
}

type credCam struct {
	cr *cred
	c  *simCamera
}

// stepWatch opens a live view. Whether the server lets it open now
// (503 while a camera reconnects) changes no later step: the watchers
// only feed the checks.
func stepWatch(w *world) string {
	p := pick(w.rng, w.watchable())
	if len(w.watchers) >= maxWatchers {
		w.watchers[0].stop()
		w.watchers = w.watchers[1:]
	}
	wt, err := w.watch(p.cr, p.c)
	if err != nil {
		w.fail("%v", err)
	}
	if wt == nil {
		return fmt.Sprintf("watch %s as %s: not streaming yet (503)", p.c, p.cr)
	}
	w.watchers = append(w.watchers, wt)
	return fmt.Sprintf("watch %s as %s (MSE)", p.c, p.cr)
}

// checkLive is invariant 3 for live video: every frame a live session
// delivered is of its camera, and a session whose principal lost the
// camera ends within revokeDeadline.
func (w *world) checkLive() {
	var open []*watcher
	for _, wt := range w.watchers {
		wt.mu.Lock()
		foreign, err := wt.foreign, wt.err
		wt.mu.Unlock()
		if foreign != "" {
			w.fail("invariant 3: %s delivered a frame of camera %s", wt, foreign)
		}
		if err != nil {
			w.fail("%s: %v", wt, err)
		}
		if !w.allowed(wt.cr)[wt.cam.id] {
			w.waitFor(revokeDeadline, fmt.Sprintf("invariant 3: %s ends after its access did", wt), func() (bool, string) {
				wt.mu.Lock()
				defer wt.mu.Unlock()
				return wt.closed(), fmt.Sprintf("still open, %d frames so far", wt.frames)
			})
		}
		if wt.closed() {
			continue
		}
		open = append(open, wt)
	}
	w.watchers = open
}
