package ui

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/ui/browsertest"
)

// TestViewerRoleChangeAsksFirst: changing a viewer's role clears the
// cameras ticked for them (the store drops the assignments, so that a
// later demotion brings back no grant nobody remembers). The People page
// used to do it without a word; it now asks, and no keeps the viewer as
// they were. A viewer left a viewer is not asked about.
func TestViewerRoleChangeAsksFirst(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	b := browsertest.Start(t)
	browse(t, b, chromedp.EmulateViewport(375, 800))
	browserLogin(t, b, f.ts.URL, "ana")
	var accept atomic.Bool
	asked := answerDialogs(t, b, &accept)

	form := `[data-user-id="` + f.viewerA.PublicID + `"] [data-testid="member-role-form"]`
	choose := func(role string) {
		t.Helper()
		browse(t, b, chromedp.Navigate(f.ts.URL+"/settings/people"), chromedp.WaitVisible(chromedp.CSS(form)),
			chromedp.SetValue(chromedp.CSS(form+` select`), role),
			chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
	}
	assigned := func() bool {
		t.Helper()
		u, err := f.store.User(ctx, f.viewerA.ID)
		if err != nil {
			t.Fatal(err)
		}
		cams, err := f.store.AssignedCameras(ctx, f.viewerA.ID)
		if err != nil {
			t.Fatal(err)
		}
		return u.Role == nvr.RoleViewer && slices.Contains(cams, f.camA1.ID)
	}

	choose("member")
	want := "Change vic's role? They will see every camera, and the cameras ticked for them are cleared: made a viewer again, they start with none."
	if q := nextDialog(t, asked); q != want {
		t.Fatalf("the role change asks %q, want %q", q, want)
	}
	time.Sleep(300 * time.Millisecond) // a change that went ahead anyway would have been sent by now
	if !assigned() {
		t.Fatal("answered no, the viewer's role or cameras changed")
	}

	// Kept a viewer: nothing to warn of, so no question; saved as is.
	choose("viewer")
	waitJS(t, b, `(document.querySelector('`+form+` [data-result]') || {textContent: ''}).textContent !== '' || performance.getEntriesByType('navigation')[0].type === 'reload'`, 10*time.Second)
	select {
	case q := <-asked:
		t.Fatalf("keeping the role asked %q", q)
	default:
	}

	accept.Store(true)
	choose("member")
	if q := nextDialog(t, asked); q != want {
		t.Fatalf("the second time the role change asks %q", q)
	}
	waitFor(t, 10*time.Second, "the role changed", func() bool {
		u, err := f.store.User(ctx, f.viewerA.ID)
		return err == nil && u.Role == nvr.RoleMember
	})
	if cams, err := f.store.AssignedCameras(ctx, f.viewerA.ID); err != nil || len(cams) != 0 {
		t.Fatalf("a member keeps a viewer's assignments: %v %v", cams, err)
	}
}
