package ui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestViewingLogAPI: the household's people read who opened its cameras'
// recordings; a viewer reads their own only; another household, or a
// filter naming its camera, reads nothing; bad filters are 400.
func TestViewingLogAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// vic and ana each open camera A1's recordings (the fixture records
	// nothing, so the clip answers 503 after the grant's audit row).
	for _, who := range []string{"vic", "ana"} {
		if r := f.get("/api/cameras/"+string(f.camA1.ID)+"/clip.mp4?start=2025-01-01T00:00:00Z&end=2025-01-01T00:01:00Z", f.login(who)); r.StatusCode == http.StatusNotFound {
			t.Fatalf("%s opens A1's recordings: %d %s", who, r.StatusCode, r.body)
		}
	}
	read := func(who, query string) ([]viewingJSON, response) {
		t.Helper()
		r := f.get("/api/viewing"+query, f.login(who))
		var got struct {
			Viewings []viewingJSON `json:"viewings"`
		}
		if r.StatusCode == http.StatusOK {
			if err := json.Unmarshal([]byte(r.body), &got); err != nil {
				t.Fatalf("%s: %v in %s", who, err, r.body)
			}
		}
		return got.Viewings, r
	}
	people := func(vs []viewingJSON) string {
		var out []string
		for _, v := range vs {
			if v.What == "recordings opened" {
				out = append(out, v.Person)
			}
		}
		return strings.Join(out, ",")
	}
	if vs, r := read("mo", ""); people(vs) != "ana,vic" {
		t.Errorf("mo reads %q (%s), want ana's and vic's openings", people(vs), r.body)
	}
	if vs, r := read("vic", ""); people(vs) != "vic" || len(vs) != 1 {
		t.Errorf("vic reads %s, want their own only", r.body)
	}
	if vs, _ := read("ana", "?person="+f.viewerA.PublicID); people(vs) != "vic" {
		t.Errorf("ana filtered by vic: %q", people(vs))
	}
	if vs, _ := read("ana", "?camera="+string(f.camA2.ID)); people(vs) != "" {
		t.Errorf("ana filtered by A2: %q", people(vs))
	}
	for _, q := range []string{"", "?camera=" + string(f.camA1.ID)} {
		if _, r := read("bea", q); r.StatusCode != http.StatusOK || strings.Contains(r.body, f.camA1.Name) || strings.Contains(r.body, string(f.camA1.ID)) {
			t.Errorf("bea reads %s: %d %s", q, r.StatusCode, r.body)
		}
	}
	for _, q := range []string{"?camera=nope", "?person=x", "?limit=0", "?limit=100000"} {
		if _, r := read("ana", q); r.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", q, r.StatusCode, r.body)
		}
	}
	if r := f.get("/settings/viewing", f.login("mo")); r.StatusCode != http.StatusOK || !strings.Contains(r.body, "viewing-row") || !strings.Contains(r.body, "vic") || strings.Contains(r.body, `data-testid="viewing-own"`) {
		t.Errorf("viewing page: %d", r.StatusCode)
	}
	// A viewer, who reads only their own lines, is told so rather than
	// left to think nobody else watches.
	if r := f.get("/settings/viewing", f.login("vic")); r.StatusCode != http.StatusOK || !strings.Contains(r.body, `data-testid="viewing-own"`) {
		t.Errorf("the viewer's viewing page does not say it is their own: %d", r.StatusCode)
	}

	// More lines than a page: the API gives the older lines' cursor, the
	// page a Show older link to them (the filters kept), and the older
	// page a way back to the newest.
	r := f.get("/api/viewing?limit=1", f.login("mo"))
	var first struct {
		Viewings []viewingJSON `json:"viewings"`
		Next     string        `json:"next"`
	}
	if err := json.Unmarshal([]byte(r.body), &first); err != nil || len(first.Viewings) != 1 || first.Next == "" {
		t.Fatalf("a page of one line: %d %s", r.StatusCode, r.body)
	}
	if vs, r := read("mo", "?limit=1&cursor="+url.QueryEscape(first.Next)); len(vs) != 1 || vs[0].Start.After(first.Viewings[0].Start) || vs[0] == first.Viewings[0] {
		t.Errorf("the page after %v: %s", first.Viewings[0], r.body)
	}
	older := func(body string) string {
		t.Helper()
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		href, _ := doc.Find(`[data-testid="viewing-older"]`).Attr("href")
		return href
	}
	page := f.get("/settings/viewing?camera="+string(f.camA1.ID)+"&limit=1", f.login("mo"))
	next := older(page.body)
	if strings.Count(page.body, `data-testid="viewing-row"`) != 1 || !strings.Contains(next, "cursor=") || !strings.Contains(next, "camera="+string(f.camA1.ID)) {
		t.Fatalf("the first page of one line: %d, Show older %q", page.StatusCode, next)
	}
	seen := 1
	for next != "" && seen < 20 {
		page = f.get(next, f.login("mo"))
		if page.StatusCode != http.StatusOK || !strings.Contains(page.body, `data-testid="viewing-newest"`) {
			t.Fatalf("%s: %d, or no way back to the newest", next, page.StatusCode)
		}
		seen += strings.Count(page.body, `data-testid="viewing-row"`)
		next = older(page.body)
	}
	if all, _ := read("mo", "?camera="+string(f.camA1.ID)); seen != len(all) {
		t.Errorf("paging one line at a time showed %d lines, the log has %d", seen, len(all))
	}
	// The page, unasked, shows a phone's worth of lines, not the API's 200.
	for range 55 {
		f.get("/api/cameras/"+string(f.camA1.ID)+"/clip.mp4?start=2025-01-01T00:00:00Z&end=2025-01-01T00:01:00Z", f.login("vic"))
	}
	page = f.get("/settings/viewing", f.login("mo"))
	if n := strings.Count(page.body, `data-testid="viewing-row"`); n != 50 || older(page.body) == "" {
		t.Errorf("the page shows %d lines (Show older %q), want 50 and a link to the rest", n, older(page.body))
	}
	for _, q := range []string{"?cursor=nope", "?cursor=v1.AAAA"} {
		if _, r := read("ana", q); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "Show older") {
			t.Errorf("%s: %d %s, want 400 in words", q, r.StatusCode, r.body)
		}
	}
}
