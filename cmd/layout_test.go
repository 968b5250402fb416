// Package cmd_test holds the dependency table of ../shared/ARCHITECTURE.md
// for the whole module: every arrow between Hearth's packages is checked
// against it, so a package that reaches across a layer fails the build
// instead of waiting for a reviewer to notice.
package cmd_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/hearthnvr/hearth"

// layer names the row of the dependency table a package belongs to.
func layer(pkg string) string {
	switch {
	case strings.HasPrefix(pkg, "cmd/internal/"):
		return "cmd/internal"
	case pkg == "cmd/hearth-bench" || strings.HasPrefix(pkg, "cmd/hearth-bench/"):
		return "cmd/hearth-bench"
	case strings.HasPrefix(pkg, "cmd/"):
		return "cmd"
	case pkg == "nvr":
		return "nvr"
	case strings.HasPrefix(pkg, "nvr/"):
		return "nvr/sub"
	case pkg == "db" || strings.HasPrefix(pkg, "db/"):
		return "db"
	case strings.HasPrefix(pkg, "streams/"):
		return "streams"
	case pkg == "ui" || strings.HasPrefix(pkg, "ui/"):
		return "ui"
	}
	return "other"
}

// allowed reports whether a package of layer from may import to (both
// module-relative). It is the table of ARCHITECTURE.md, "Packages and
// their direction".
func allowed(from, to string) bool {
	if layer(to) == "cmd" || layer(to) == "cmd/hearth-bench" {
		return false // nothing imports a binary
	}
	if layer(to) == "cmd/internal" {
		// What the binaries share about command lines: for them only.
		return layer(from) == "cmd" || layer(from) == "cmd/hearth-bench" || layer(from) == "cmd/internal"
	}
	if to == "internal/clocktest" {
		// The tests' one fake clock: any package may use it, and it
		// imports nothing of Hearth (a package outside the table may
		// import nothing, below). The shipped binary links none of it
		// (TestShippedBinaryLinksNoTestClient).
		return true
	}
	if to == "streams/testpeer" && strings.HasSuffix(from, "test") {
		// Test-support packages (ui/browsertest) find real peers the
		// one way the suite does; the shipped binary links none of
		// them (TestShippedBinaryLinksNoTestClient).
		return true
	}
	if from == "db/dbtest" {
		// The tests' real database: it opens db and builds its world
		// through nvr/nvrtest's local operator, for the tests of nvr's
		// subpackages (which may import db in _test.go files only). The
		// shipped binary links none of it
		// (TestShippedBinaryLinksNoTestClient).
		return to == "db" || to == "nvr" || to == "nvr/nvrtest"
	}
	switch layer(from) {
	case "cmd", "cmd/hearth-bench", "cmd/internal":
		return true
	case "nvr":
		return to == "streams/media"
	case "nvr/sub":
		return subAllowed(from, to)
	case "db":
		return to == "nvr"
	case "streams":
		return layer(to) == "streams"
	case "ui":
		return to == "nvr" || layer(to) == "nvr/sub" || layer(to) == "ui"
	}
	return false
}

// subRows are the table's rows for nvr's subpackages: which of nvr's
// packages each may import besides nvr itself, and whether it may import
// media plumbing (all of streams, or only the named streams packages).
var subRows = map[string]struct {
	nvr     []string
	streams []string // nil: any streams package
}{
	"nvr/ingest":      {},
	"nvr/recordstore": {streams: []string{"streams/segment"}},
	"nvr/record":      {nvr: []string{"nvr/recordstore"}},
	"nvr/events":      {nvr: []string{"nvr/ingest"}},
	"nvr/view":        {nvr: []string{"nvr/ingest", "nvr/recordstore"}},
	// The off-site copy reads fragments back from the files the recorder
	// names (nvr.DurableFragments): it needs no media plumbing, and the
	// recorder does not import it (it is an nvr.FragmentSink).
	"nvr/offsite": {streams: []string{}},
}

// subAllowed applies the table's row of an nvr subpackage. A subpackage
// without a row of its own (outward adapters such as nvr/notify, and the
// test doubles of nvr/nvrtest) may use the vocabulary, the other
// subpackages and media plumbing; a row's own package tree (nvr/view/x)
// follows its row.
func subAllowed(from, to string) bool {
	if to == "nvr" {
		return true
	}
	row, ok := subRows[from]
	for name, r := range subRows {
		if strings.HasPrefix(from, name+"/") {
			row, ok = r, true
		}
	}
	if !ok {
		return layer(to) == "nvr/sub" || layer(to) == "streams"
	}
	switch layer(to) {
	case "nvr/sub":
		for _, n := range row.nvr {
			if to == n || strings.HasPrefix(to, n+"/") {
				return true
			}
		}
		return false
	case "streams":
		if row.streams == nil {
			return true
		}
		for _, n := range row.streams {
			if to == n {
				return true
			}
		}
		return false
	}
	return false
}

// debt lists the arrows against the table that exist today, each with the
// step of the redesign (issue 15) that removes it. An arrow not listed
// here fails; so does a listed arrow that no longer exists, so the list
// only shrinks.
var debt = map[string]string{}

// shippedDebt lists test clients the release binary still links (none
// since the benchmark harness moved to cmd/hearth-bench).
var shippedDebt = map[string]string{}

// goCmd finds the go command: on PATH, or in GOROOT when the test runs
// with a PATH that lacks it (go test sets GOROOT for its children).
func goCmd() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if root := os.Getenv("GOROOT"); root != "" {
		return filepath.Join(root, "bin", "go")
	}
	return "go"
}

// goList runs go list over the module from its root and returns one
// output line per package.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command(goCmd(), append([]string{"list"}, args...)...)
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v\n%s", args, err, stderr.String())
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			lines = append(lines, line)
		}
	}
	return lines
}

func rel(pkg string) (string, bool) {
	if pkg == module {
		return "", true
	}
	r, ok := strings.CutPrefix(pkg, module+"/")
	return r, ok
}

func TestDependencyTable(t *testing.T) {
	seen := map[string]bool{}
	var bad []string
	for _, line := range goList(t, "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...") {
		fields := strings.Fields(line)
		from, ok := rel(fields[0])
		if !ok {
			continue
		}
		for _, imp := range fields[1:] {
			to, ok := rel(imp)
			if !ok {
				continue
			}
			arrow := from + " -> " + to
			if allowed(from, to) {
				continue
			}
			if _, known := debt[arrow]; known {
				seen[arrow] = true
				continue
			}
			bad = append(bad, arrow)
		}
	}
	sort.Strings(bad)
	for _, a := range bad {
		t.Errorf("import against ARCHITECTURE.md's dependency table: %s", a)
	}
	for arrow, why := range debt {
		if !seen[arrow] {
			t.Errorf("%s is gone (%s): remove it from the debt list", arrow, why)
		}
	}
}

func TestShippedBinaryLinksNoTestClient(t *testing.T) {
	seen := map[string]bool{}
	for _, dep := range goList(t, "-deps", "./cmd/hearth") {
		r, ok := rel(dep)
		if !ok {
			continue
		}
		testClient := strings.HasSuffix(r, "test") || strings.Contains(r, "/testpeer") || strings.Contains(r, "browsertest")
		if !testClient {
			continue
		}
		if _, known := shippedDebt[r]; known {
			seen[r] = true
			continue
		}
		t.Errorf("the hearth binary links test code: %s", r)
	}
	for pkg, why := range shippedDebt {
		if !seen[pkg] {
			t.Errorf("%s is no longer linked (%s): remove it from the list", pkg, why)
		}
	}
}

// TestTableRules pins the table's rules themselves, so a loosened rule is
// a visible change.
func TestTableRules(t *testing.T) {
	cases := []struct {
		from, to string
		want     bool
	}{
		{"streams/hub", "nvr", false},
		{"streams/replay", "streams/segment", true},
		{"streams/rtsp", "db", false},
		{"db", "nvr", true},
		{"db", "streams/segment", false},
		{"db", "ui", false},
		{"ui", "nvr", true},
		{"ui", "nvr/view", true},
		{"ui", "streams/hub", false},
		{"ui", "db", false},
		{"nvr", "streams/media", true},
		{"nvr", "streams/rtsp", false},
		{"nvr", "db", false},
		{"nvr/record", "nvr/recordstore", true},
		{"nvr/record", "nvr/ingest", false},
		{"nvr/record", "nvr/events", false},
		{"nvr/record", "nvr/view", false},
		{"nvr/recordstore", "nvr/record", false},
		{"nvr/recordstore", "nvr/events", false},
		{"nvr/recordstore", "nvr/view", false},
		{"nvr/recordstore", "streams/segment", true},
		{"nvr/recordstore", "streams/hub", false},
		{"nvr/ingest", "nvr/record", false},
		{"nvr/ingest", "nvr/view", false},
		{"nvr/ingest", "nvr/events", false},
		{"nvr/ingest", "streams/rtsp", true},
		{"nvr/events", "nvr/ingest", true},
		{"nvr/events", "nvr/record", false},
		{"nvr/events", "nvr/view", false},
		{"nvr/view", "nvr/ingest", true},
		{"nvr/view", "nvr/recordstore", true},
		{"nvr/view", "nvr/record", false},
		{"nvr/view", "nvr/events", false},
		{"nvr/notify", "nvr/events", true},
		{"nvr/ingest", "nvr", true},
		{"nvr/view", "streams/webrtc", true},
		{"nvr/view", "ui", false},
		{"nvr/offsite", "nvr", true},
		{"nvr/offsite", "nvr/record", false},
		{"nvr/offsite", "streams/segment", false},
		{"nvr/record", "nvr/offsite", false},
		{"ui", "cmd/hearth", false},
		{"cmd/hearth", "ui", true},
		{"cmd/hearth", "db", true},
		{"ui/browsertest", "streams/testpeer", true},
		{"cmd/hearth", "cmd/internal/cmdline", true},
		{"cmd/hearth-bench", "cmd/internal/simcamcmd", true},
		{"ui", "cmd/internal/cmdline", false},
		{"nvr", "cmd/internal/cmdline", false},
		{"ui", "streams/testpeer", false},
		{"streams/hub", "internal/clocktest", true},
		{"db", "internal/clocktest", true},
		{"nvr", "internal/clocktest", true},
		{"internal/clocktest", "streams/media", false},
		{"internal/clocktest", "nvr", false},
		{"db/dbtest", "db", true},
		{"db/dbtest", "nvr/nvrtest", true},
		{"db/dbtest", "streams/simcam", false},
		{"db/dbtest", "nvr/record", false},
		{"db", "nvr/nvrtest", false},
		{"nvr/nvrtest", "db", false},
		{"nvr/record", "db", false},
		// ONVIF: the client is media plumbing; the probe adapter brings it
		// to the policy's grants; the web layer reaches it only through
		// the adapter.
		{"nvr/onvifprobe", "streams/onvif", true},
		{"streams/onvif", "nvr", false},
		{"ui", "streams/onvif", false},
		{"ui", "nvr/onvifprobe", true},
		{"streams/simcam", "streams/onvif", true},
		{"nvr/ptz", "streams/onvif", true},
		{"nvr/events", "streams/onvif", true},
		{"ui", "nvr/ptz", true},
		{"nvr/ptz", "ui", false},
	}
	for _, c := range cases {
		if got := allowed(c.from, c.to); got != c.want {
			t.Errorf("allowed(%s -> %s) = %v, want %v", c.from, c.to, got, c.want)
		}
	}
}

// TestLocalOperatorOnlyInBinaries: the local operator's admin grant
// (nvr.Policy.LocalOperator) is for whoever runs the CLI on the data
// directory. A request handler that asked for it would hand a stranger the
// appliance, so outside the binaries only its definition and the tests'
// set-up package (nvr/nvrtest) may name it.
func TestLocalOperatorOnlyInBinaries(t *testing.T) {
	allowedIn := func(path string) bool {
		return strings.HasPrefix(path, "cmd/") || path == "nvr/policy.go" || strings.HasPrefix(path, "nvr/nvrtest/")
	}
	namedOnlyIn(t, "LocalOperator(", allowedIn)
}

// TestNotifyCredentialOnlyInPolicy: a notification principal holds one of
// its user's notification channels as its credential (valid while the
// channel is the user's), so that every message is decided at send time
// for the user. Only the policy mints one (Policy.Recipient, after its own
// decision), only the notifier asks for one, and outside the policy only
// the store's check and the principal's name know the credential kind.
func TestNotifyCredentialOnlyInPolicy(t *testing.T) {
	namedOnlyIn(t, "CredentialNotify", func(path string) bool {
		return path == "nvr/notify_policy.go" || path == "nvr/principal.go" || path == "db/policy.go"
	})
	namedOnlyIn(t, ".Recipient(ctx", func(path string) bool {
		return strings.HasPrefix(path, "nvr/notify/")
	})
}

// namedOnlyIn fails for every non-test Go file of the module that contains
// name outside the paths allowedIn accepts, and when no file names it at
// all (the check would be looking in the wrong place).
func namedOnlyIn(t *testing.T, name string, allowedIn func(path string) bool) {
	t.Helper()
	found := 0
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("..", path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && rel != "." || d.Name() == "testdata" || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !bytes.Contains(src, []byte(name)) {
			return nil
		}
		found++
		if !allowedIn(rel) {
			t.Errorf("%s names %s, which only its own places may", rel, name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 2 {
		t.Fatalf("%s named in %d files: the check is looking in the wrong place", name, found)
	}
}
