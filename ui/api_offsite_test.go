package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/offsite"
)

// TestOffsiteAPI: the owner sets the household's off-site copy with a new
// key, which is answered once and never again; the SFTP client key is
// never answered; members and the admin are answered 404; bad input 400;
// every change has its audit row.
func TestOffsiteAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	owner, member, admin := f.login("ana"), f.login("mo"), f.login("root")
	target := t.TempDir()

	cases := []struct {
		name string
		cred any
		body string
		code int
	}{
		{"member", member, `{"kind":"dir","path":"` + target + `","new_key":true}`, http.StatusNotFound},
		{"admin", admin, `{"kind":"dir","path":"` + target + `","new_key":true}`, http.StatusNotFound},
		{"no key", owner, `{"kind":"dir","path":"` + target + `"}`, http.StatusBadRequest},
		{"both keys", owner, `{"kind":"dir","path":"` + target + `","new_key":true,"recipient":"age1x"}`, http.StatusBadRequest},
		{"bad kind", owner, `{"kind":"ftp","path":"` + target + `","new_key":true}`, http.StatusBadRequest},
		{"relative path", owner, `{"kind":"dir","path":"nas","new_key":true}`, http.StatusBadRequest},
		{"bad recipient", owner, `{"kind":"dir","path":"` + target + `","recipient":"ssh-ed25519 AAAA"}`, http.StatusBadRequest},
		{"unknown field", owner, `{"kind":"dir","path":"` + target + `","new_key":true,"sftp_key":"x"}`, http.StatusBadRequest},
		{"sftp without address", owner, `{"kind":"sftp","path":"/backup","new_key":true}`, http.StatusBadRequest},
	}
	for _, tc := range cases {
		if r := f.do(http.MethodPut, "/api/household/offsite", []any{tc.cred}, tc.body); r.StatusCode != tc.code {
			t.Errorf("%s: %d %s, want %d", tc.name, r.StatusCode, r.body, tc.code)
		}
	}
	if r := f.do(http.MethodGet, "/api/household/offsite", []any{admin}, ""); r.StatusCode != http.StatusNotFound {
		t.Errorf("admin GET: %d", r.StatusCode)
	}

	r := f.do(http.MethodPut, "/api/household/offsite", []any{owner}, `{"kind":"dir","path":"`+target+`","new_key":true}`)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("set: %d %s", r.StatusCode, r.body)
	}
	var set offsiteJSON
	if err := json.Unmarshal([]byte(r.body), &set); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(set.RecoveryKey, "AGE-SECRET-KEY-1") || !strings.HasPrefix(set.Recipient, "age1") || !set.Configured {
		t.Fatalf("set answered %+v", set)
	}
	// The recovery key really decrypts for the recipient answered.
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(set.RecoveryKey), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := offsite.ReadIdentities(keyFile); err != nil {
		t.Fatalf("recovery key: %v", err)
	}
	r = f.do(http.MethodGet, "/api/household/offsite", []any{owner}, "")
	if r.StatusCode != http.StatusOK || strings.Contains(r.body, "AGE-SECRET-KEY") || !strings.Contains(r.body, set.Recipient) {
		t.Fatalf("get: %d %s", r.StatusCode, r.body)
	}
	if r := f.do(http.MethodGet, "/api/household/offsite", []any{f.login("bea")}, ""); strings.Contains(r.body, set.Recipient) || strings.Contains(r.body, target) {
		t.Errorf("owner B sees A's target: %s", r.body)
	}

	r = f.do(http.MethodPut, "/api/household/offsite", []any{owner},
		`{"kind":"sftp","sftp_addr":"127.0.0.1:2222","sftp_user":"friend","path":"/backup","recipient":"`+set.Recipient+`"}`)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, "ssh-ed25519 ") || strings.Contains(r.body, "PRIVATE KEY") {
		t.Fatalf("sftp set: %d %s", r.StatusCode, r.body)
	}
	tgt, err := f.store.OffsiteTarget(context.Background(), f.homeA.ID)
	if err != nil || !strings.Contains(tgt.SFTPKey.Reveal(), "PRIVATE KEY") {
		t.Fatalf("stored target: %+v %v", tgt, err)
	}
	if r := f.do(http.MethodDelete, "/api/household/offsite", []any{member}, ""); r.StatusCode != http.StatusNotFound {
		t.Errorf("member DELETE: %d", r.StatusCode)
	}
	if r := f.do(http.MethodDelete, "/api/household/offsite", []any{owner}, ""); r.StatusCode != http.StatusNoContent {
		t.Errorf("owner DELETE: %d %s", r.StatusCode, r.body)
	}
	if r := f.do(http.MethodGet, "/api/household/offsite", []any{owner}, ""); !strings.Contains(r.body, `"configured":false`) {
		t.Errorf("after DELETE: %s", r.body)
	}
	rows, err := f.store.Audit(context.Background(), 200)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, row := range rows {
		if strings.HasPrefix(row.Action, "offsite-") {
			n++
			if strings.Contains(row.Detail, "PRIVATE") || strings.Contains(row.Detail, "AGE-SECRET") {
				t.Errorf("audit row holds a key: %+v", row)
			}
		}
	}
	if n < 5 { // 2 refused by validation, set, sftp set, remove
		t.Errorf("%d offsite audit rows, want at least 5", n)
	}
}

// TestOffsitePage: the owner's page shows the target, the backlog and the
// last copied time as the copier measures them; a member is shown the
// not-found page, and the page never holds a private key.
func TestOffsitePage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	owner := f.login("ana")
	if r := f.do(http.MethodGet, "/settings/offsite", []any{owner}, ""); r.StatusCode != http.StatusOK ||
		doc(t, r.body).Find(`[data-testid="offsite-none"]`).Length() != 1 {
		t.Fatalf("unset page: %d", r.StatusCode)
	} else if l := doc(t, r.body).Find(`label[for="offsite-path"]`).Text(); !strings.Contains(l, "on this appliance") {
		// The default kind is a directory here: the label spoke of SFTP only.
		t.Fatalf("directory label %q does not say it may be on this appliance", l)
	}
	target := t.TempDir()
	r := f.do(http.MethodPut, "/api/household/offsite", []any{owner}, `{"kind":"dir","path":"`+target+`","new_key":true}`)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("set: %d %s", r.StatusCode, r.body)
	}
	// Three fragments recorded, none copied yet (the copier is not running).
	f.copier.Durable(nvr.DurableFragments{Household: f.homeA.ID, Segment: nvr.Segment{ID: 1, CameraID: f.camA1.ID, Event: true},
		File: filepath.Join(t.TempDir(), "x.mp4"), Fragments: make([]nvr.Fragment, 3)})
	r = f.do(http.MethodGet, "/settings/offsite", []any{owner}, "")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("page: %d", r.StatusCode)
	}
	d := doc(t, r.body)
	for sel, want := range map[string]string{
		`[data-testid="offsite-target"]`:       target,
		`[data-testid="offsite-backlog"]`:      "3 short pieces of footage",
		`[data-testid="offsite-last-copied"]`:  "never",
		`[data-testid="settings-nav-offsite"]`: "Off-site copy",
	} {
		if got := strings.TrimSpace(d.Find(sel).Text()); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
	if strings.Contains(r.body, "AGE-SECRET-KEY") || strings.Contains(r.body, "PRIVATE KEY") {
		t.Error("the page holds a private key")
	}
	if r := f.do(http.MethodGet, "/settings/offsite", []any{f.login("mo")}, ""); r.StatusCode != http.StatusNotFound {
		t.Errorf("member: %d, want 404", r.StatusCode)
	}
}

// TestOffsiteOnAdminStoragePage: the admin's storage page has a line per
// household with an off-site copy — backlog, last copied, whether there is
// a problem — and nothing of where it goes or with which key.
func TestOffsiteOnAdminStoragePage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	target := t.TempDir()
	r := f.do(http.MethodPut, "/api/household/offsite", []any{f.login("ana")}, `{"kind":"dir","path":"`+target+`","new_key":true}`)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("set: %d %s", r.StatusCode, r.body)
	}
	var set offsiteJSON
	if err := json.Unmarshal([]byte(r.body), &set); err != nil {
		t.Fatal(err)
	}
	f.copier.Durable(nvr.DurableFragments{Household: f.homeA.ID, Segment: nvr.Segment{ID: 1, CameraID: f.camA1.ID, Event: true},
		File: filepath.Join(t.TempDir(), "x.mp4"), Fragments: make([]nvr.Fragment, 2)})
	r = f.do(http.MethodGet, "/settings/admin/system", []any{f.login("root")}, "")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("system page: %d", r.StatusCode)
	}
	rows := doc(t, r.body).Find(`[data-testid="offsite-figure"]`)
	if rows.Length() != 1 || !strings.Contains(rows.Text(), f.homeA.Name) || !strings.Contains(rows.Text(), "2 fragments") ||
		!strings.Contains(rows.Text(), "never") {
		t.Errorf("offsite figures: %d rows, %q", rows.Length(), rows.Text())
	}
	for _, s := range []string{target, set.Recipient, "AGE-SECRET-KEY"} {
		if strings.Contains(r.body, s) {
			t.Errorf("the admin's page shows %q", s)
		}
	}
}

// TestOffsiteFolderWhereTheAdminSays: an owner's local folder must lie in
// one the appliance's admin set aside (here the temporary directory); the
// refusal says where copies may go. Before, an owner could have the
// appliance write into any folder it may write, its own data included.
func TestOffsiteFolderWhereTheAdminSays(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana := f.login("ana")
	for _, path := range []string{"/etc", "/", filepath.Join(t.TempDir(), "no", "such")} {
		r := f.do(http.MethodPut, "/api/household/offsite", []any{ana}, `{"kind":"dir","path":"`+path+`","new_key":true}`)
		if r.StatusCode != http.StatusBadRequest || (!strings.Contains(r.body, "copies may go only into") && !strings.Contains(r.body, "does not exist")) {
			t.Errorf("owner's folder %s: %d %s, want 400 saying where copies may go", path, r.StatusCode, r.body)
		}
	}
	if r := f.do(http.MethodGet, "/api/household/offsite", []any{ana}, ""); !strings.Contains(r.body, `"configured":false`) {
		t.Errorf("after the refusals the household has a target: %d %s", r.StatusCode, r.body)
	}
	if r := f.do(http.MethodPut, "/api/household/offsite", []any{ana}, `{"kind":"dir","path":"`+t.TempDir()+`","new_key":true}`); r.StatusCode != http.StatusOK {
		t.Fatalf("a folder set aside: %d %s", r.StatusCode, r.body)
	}
	// The page says where a local copy may go.
	if got := testID(t, f.get("/settings/offsite", ana).body, "offsite-dirs").Text(); !strings.Contains(got, os.TempDir()) {
		t.Errorf("the page's folder hint: %q", got)
	}
}
