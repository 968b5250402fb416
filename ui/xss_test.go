package ui

import (
	"context"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// xssPayload is stored in every free-text field a household can set.
const xssPayload = `<img src=x onerror=alert(1)><script>alert(2)</script>"'`

// Every page, as the household whose names carry markup and as the admin
// who sees all households, renders those names as text: no element or
// handler injected, the raw payload never in the HTML, the strict CSP set.
func TestStoredNamesRenderAsTextOnEveryPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	home := must(nvrtest.Operator(f.dir).AddHousehold(ctx, "H "+xssPayload[:40]))(t)
	owner := f.addUser("eve", home.ID, nvr.RoleOwner, false)
	cam := f.addCamera(home.ID, "C "+xssPayload[:40], "rtsp://198.51.100.30/main")
	zones := []nvr.Zone{{Name: "Z " + xssPayload[:30], Polygon: [][2]float64{{0, 0}, {1, 0}, {1, 1}}}}
	if _, err := nvrtest.Operator(f.dir).EditCamera(ctx, cam.ID, nvr.CameraChanges{Zones: &zones}); err != nil {
		t.Fatalf("zones: %v", err)
	}
	f.addEvent(cam.ID, nvr.EventMotion, f.now.Add(-time.Minute), "L "+xssPayload[:40], []byte("jpeg"))
	checked := 0
	for _, who := range []struct {
		name string
		user nvr.User
	}{{"eve", owner}, {"root", f.admin}} {
		c := f.login(who.name)
		for _, route := range f.srv.Routes() {
			if !route.Page || !strings.HasPrefix(route.Pattern, "GET ") {
				continue
			}
			path := strings.NewReplacer("{id}", string(cam.ID), "{$}", "",
				"{uid}", owner.PublicID).Replace(strings.TrimPrefix(route.Pattern, "GET "))
			r := f.get(path, c)
			if r.StatusCode == http.StatusNotFound || r.StatusCode == http.StatusSeeOther {
				continue // not this user's page
			}
			checked++
			if r.Header.Get("Content-Security-Policy") != contentSecurityPolicy {
				t.Errorf("%s as %s: CSP %q", path, who.name, r.Header.Get("Content-Security-Policy"))
			}
			if strings.Contains(r.body, "<img src=x") || strings.Contains(r.body, "<script>alert") {
				t.Errorf("%s as %s renders a stored name as markup", path, who.name)
			}
			d := doc(t, r.body)
			if n := d.Find("img[src=x], [onerror]").Length(); n != 0 {
				t.Errorf("%s as %s: %d injected elements", path, who.name, n)
			}
			d.Find("script").Each(func(_ int, s *goquery.Selection) {
				if strings.Contains(s.Text(), "alert") {
					t.Errorf("%s as %s: injected script", path, who.name)
				}
			})
		}
	}
	if checked < 8 {
		t.Fatalf("only %d pages rendered", checked)
	}
	t.Logf("XSS: %d page renders checked", checked)
}

// The front end writes server data into the page only as text: no HTML
// sink in any shipped script.
func TestStaticJSUsesNoHTMLSinks(t *testing.T) {
	t.Parallel()
	sinks := regexp.MustCompile(`\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\s*\(|new\s+Function\s*\(|setTimeout\s*\(\s*['"\x60]|createContextualFragment|DOMParser`)
	files := 0
	err := fs.WalkDir(staticFiles, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".js") {
			return err
		}
		files++
		b, err := staticFiles.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if sinks.MatchString(line) {
				t.Errorf("%s:%d uses an HTML sink: %s", path, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil || files < 5 {
		t.Fatalf("walked %d scripts: %v", files, err)
	}
}
