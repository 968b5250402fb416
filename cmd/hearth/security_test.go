package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/simcam"
)

// childWatcher records the command line of every process below this one
// (ffmpeg for thumbnails and the pixel detector, anything exec'd) while a
// test runs, by polling /proc.
type childWatcher struct {
	mu    sync.Mutex
	seen  map[int]string
	stop  chan struct{}
	done  chan struct{}
	polls int
}

func watchChildren(t *testing.T) *childWatcher {
	t.Helper()
	w := &childWatcher{seen: map[int]string{}, stop: make(chan struct{}), done: make(chan struct{})}
	self := os.Getpid()
	go func() {
		defer close(w.done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			w.poll(self)
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(w.close)
	return w
}

func (w *childWatcher) close() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
		<-w.done
	}
}

func (w *childWatcher) poll(self int) {
	ents, _ := os.ReadDir("/proc")
	parent := map[int]int{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, cut after ')'.
		rest := st[bytes.LastIndexByte(st, ')')+1:]
		if f := strings.Fields(string(rest)); len(f) > 1 {
			parent[pid], _ = strconv.Atoi(f[1])
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.polls++
	for pid := range parent {
		for p, hops := parent[pid], 0; p > 1 && hops < 16; p, hops = parent[p], hops+1 {
			if p == self {
				if cl, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil {
					w.seen[pid] = strings.ReplaceAll(string(cl), "\x00", " ")
				}
				break
			}
		}
	}
}

func (w *childWatcher) cmdlines() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, c := range w.seen {
		out = append(out, c)
	}
	return out
}

// canaryForms are the spellings a leaked secret could take: raw, URL
// decoded and encoded, inside HTTP basic auth, and base64 at each of the
// three alignments.
func canaryForms(core, raw string) []string {
	forms := []string{core, raw, url.QueryEscape(raw), url.PathEscape(raw),
		base64.StdEncoding.EncodeToString([]byte("admin:" + raw))}
	for pad := 0; pad < 3; pad++ {
		b := base64.StdEncoding.EncodeToString(append(bytes.Repeat([]byte{'x'}, pad), core...))
		forms = append(forms, b[4:len(b)-4]) // the part that does not depend on neighbours
	}
	return forms
}

// TestSecretCanaryEndToEnd runs the real server at debug log level with a
// camera password CANARY-<random>-! given to several cameras (on stdin; the
// URL spelling CANARY-<random>-%21 in refused commands and requests), drives
// every path that handles it (a camera that works with it, one that
// refuses it, one that is unreachable, connection tests, the camera list,
// get and edit APIs and pages as owner and admin, bad edits whose error
// could echo the URL, the CLI's camera list and errors, a backup, events
// and thumbnails), and searches every byte collected (HTTP answers and
// headers, CLI output, logs, child process command lines, the backup's
// rows outside the camera password column) for the secret in each of its
// spellings: zero hits. The same run checks that names and labels with
// shell syntax create no canary file and reach no argument position.
func TestSecretCanaryEndToEnd(t *testing.T) {
	t.Parallel()
	core := fmt.Sprintf("CANARY-%08x", rand.Uint32())
	raw := core + "-!"     // the password as stored
	inURL := core + "-%21" // as typed into a camera URL
	touched := fmt.Sprintf("/tmp/hs-%08x", rand.Uint32())
	t.Cleanup(func() { _ = os.Remove(touched) })
	name := "Porch $(touch " + touched + ")`touch " + touched + "`"
	label := "`touch " + touched + "`; $(id) -i /etc/passwd"
	data := t.TempDir()
	const pw = "a long enough passphrase"
	var collected bytes.Buffer
	keep := func(what, s string) { fmt.Fprintf(&collected, "\n--- %s\n%s", what, s) }

	good := startSimcamProc(t, "admin", raw)
	other := startSimcamProc(t, "admin", "the-right-one")
	dead := freePort(t)
	keep("cli", mustCLI(t, "", "household", "add", "Alpha", "--data", data))
	keep("cli", mustCLI(t, pw+"\n", "user", "add", "root", "--admin", "--data", data))
	keep("cli", mustCLI(t, pw+"\n", "user", "add", "ana", "--household", "Alpha", "--role", "owner", "--data", data))
	works := addCameraUser(t, data, "Alpha", name, good.URL(1), "admin", raw)
	refused := addCameraUser(t, data, "Alpha", "Wrong pass", other.URL(1), "admin", raw)
	gone := addCameraUser(t, data, "Alpha", "Gone", "rtsp://127.0.0.1:"+dead+"/x", "admin", raw)
	// CLI errors that could echo a URL.
	for _, bad := range []string{"http://admin:" + inURL + "@192.0.2.9/", "rtsp://admin:" + core + "/x@192.0.2.9/", "rtsp://admin:" + inURL + "@/x"} {
		out, errs, _ := cli(t, "", "camera", "add", "Bad", "--household", "Alpha", "--main", bad, "--data", data)
		keep("cli bad add", out+errs)
		out, errs, _ = cli(t, "", "camera", "edit", gone, "--main", bad, "--data", data)
		keep("cli bad edit", out+errs)
	}
	keep("cli list", mustCLI(t, "", "camera", "list", "--data", data))

	watch := watchChildren(t)
	srv := startServer(t, data, "--log-level", "debug")
	ana, root := newClient(t, srv.url), newClient(t, srv.url)
	ana.login("ana", pw)
	root.login("root", pw)
	call := func(c *client, method, path, body string) (int, string) {
		code, b := c.call(method, path, body)
		keep(method+" "+path, b)
		return code, b
	}
	// The working camera streams (its password is right), the others fail.
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, b := call(ana, "GET", "/api/cameras/"+works, "")
		if strings.Contains(b, `"streaming"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the camera with the canary password never streamed: %s", b)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, c := range []*client{ana, root} {
		for _, p := range []string{"/api/cameras", "/api/cameras/" + works, "/api/cameras/" + refused, "/api/cameras/" + gone, "/api/events",
			"/", "/cameras/" + works, "/settings/cameras", "/settings/cameras/" + works, "/settings/cameras/" + gone, "/events"} {
			call(c, "GET", p, "")
		}
		for _, id := range []string{works, refused, gone} {
			call(c, "POST", "/api/cameras/test", `{"camera_id":"`+id+`"}`)
		}
		call(c, "POST", "/api/cameras/test", `{"url":"`+strings.Replace(other.URL(1), "rtsp://", "rtsp://admin:"+inURL+"@", 1)+`"}`)
		call(c, "POST", "/api/cameras/test", `{"url":"rtsp://192.0.2.250:1/x","username":"admin","password":"`+raw+`"}`)
		call(c, "PATCH", "/api/cameras/"+gone, `{"main_url":"http://admin:`+inURL+`@192.0.2.9/"}`)
		call(c, "PATCH", "/api/cameras/"+gone, `{"main_url":"rtsp://admin:`+core+`/x@192.0.2.9/"}`)
		call(c, "PATCH", "/api/cameras/"+gone, `{"main_url":"rtsp://admin:`+inURL+`@192.0.2.9:99999/"}`)
	}
	for _, p := range []string{"/api/admin/cameras", "/settings/admin/cameras", "/settings/admin/system"} {
		call(root, "GET", p, "")
	}
	// An event with shell syntax in its label: its thumbnail goes through
	// ffmpeg when it is installed.
	code, b := call(ana, "POST", "/api/cameras/"+works+"/events", `{"label":"`+label+`"}`)
	if code != http.StatusCreated && code != http.StatusOK {
		t.Fatalf("trigger: %d %s", code, b)
	}
	time.Sleep(3 * time.Second) // the event's thumbnail and motion run; bounded
	call(ana, "GET", "/api/events", "")
	srv.stop(t)
	watch.close()
	keep("server log", srv.stderr.String())
	cmdlines := watch.cmdlines()
	for _, c := range cmdlines {
		keep("child cmdline", c)
		if strings.Contains(c, "touch") || strings.Contains(c, "/etc/passwd") || strings.Contains(c, "Porch") {
			t.Errorf("a name or label reached a command line: %q", c)
		}
	}

	// The backup stores the credential (restoring it must keep cameras
	// working): every column of every table except the RTSP password
	// column is searched.
	dest := filepath.Join(t.TempDir(), "backup.db")
	out, errs, code2 := cli(t, "", "backup", dest, "--data", data)
	if code2 != 0 {
		t.Fatalf("backup: %d %s", code2, errs)
	}
	keep("backup output", out+errs)
	rows, stored := dumpDB(t, dest)
	keep("backup rows", rows)
	if stored != 3 {
		t.Errorf("the backup holds the password in %d camera rows, want 3 (sanity: the canary is really stored)", stored)
	}

	for _, form := range canaryForms(core, raw) {
		if i := bytes.Index(collected.Bytes(), []byte(form)); i >= 0 {
			lo, hi := max(0, i-300), min(collected.Len(), i+100)
			t.Errorf("secret leaked as %q:\n%s", form, collected.Bytes()[lo:hi])
		}
	}
	if _, err := os.Stat(touched); err == nil {
		t.Error("the injection canary file was created: a name or label reached a shell")
	}
	if !strings.Contains(srv.stderr.String(), "level=DEBUG") {
		t.Error("the server did not log at debug level; the log search proves less")
	}
	t.Logf("secret canary: %d bytes searched in %d forms; %d child processes seen in %d /proc polls: %q",
		collected.Len(), len(canaryForms(core, raw)), len(cmdlines), watch.polls, cmdlines)
}

// dumpDB returns every value of every table as text, leaving out the
// camera password column, and counts the rows whose password is set.
func dumpDB(t *testing.T, path string) (string, int) {
	t.Helper()
	d, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	names, err := d.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for names.Next() {
		var n string
		_ = names.Scan(&n)
		tables = append(tables, n)
	}
	names.Close()
	var b strings.Builder
	stored := 0
	for _, tbl := range tables {
		rows, err := d.Query(`SELECT * FROM "` + tbl + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, c := range cols {
				s := fmt.Sprint(vals[i])
				if bs, ok := vals[i].([]byte); ok {
					s = string(bs)
				}
				if tbl == "cameras" && c == "rtsp_password" {
					if strings.HasPrefix(s, "CANARY-") {
						stored++
					}
					continue
				}
				fmt.Fprintf(&b, "%s.%s=%s\n", tbl, c, s)
			}
		}
		rows.Close()
	}
	return b.String(), stored
}

// startSimcamProc serves one simulated camera with credentials on loopback.
func startSimcamProc(t *testing.T, user, pass string) *simcam.Server {
	t.Helper()
	sim, err := simcam.Listen(simcam.ServerConfig{Addr: "127.0.0.1:0", Username: user, Password: pass,
		Cameras: []simcam.CameraConfig{{ID: fmt.Sprintf("%032x", rand.Uint64()), FPS: 10, GOP: 10, Width: simcam.MinWidth, Height: simcam.MinHeight}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = sim.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return sim
}

// freePort returns a loopback port that was just free.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}
