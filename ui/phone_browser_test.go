package ui

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/ui/browsertest"
)

// cardOverflowJS lists what sticks out of a card: the page scrolling
// sideways, or a card whose content is wider than the card (a table cut
// off on a phone, its buttons out of reach).
const cardOverflowJS = `(() => {
  const out = [];
  const w = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > w) out.push("page scrollWidth " + document.documentElement.scrollWidth);
  for (const c of document.querySelectorAll('.card')) {
    if (c.scrollWidth > c.clientWidth + 1) {
      const id = c.dataset.testid || (c.querySelector('h2') || {}).textContent || c.className;
      out.push("card " + id + ": content " + c.scrollWidth + " px in " + c.clientWidth + " px");
    }
  }
  // A closed select shows its chosen option in its own width: an option
  // longer than that is cut off on a phone ("TCP: the most reliable
  // (recommen…"). The arrow and padding take about 40 px.
  const ctx = document.createElement('canvas').getContext('2d');
  for (const sel of document.querySelectorAll('select')) {
    if (!sel.offsetParent) continue;
    ctx.font = getComputedStyle(sel).font;
    for (const o of sel.options) {
      const need = ctx.measureText(o.textContent).width + 40;
      if (need > sel.clientWidth + 1) out.push("select " + (sel.id || sel.name) + ": option '" + o.textContent + "' needs " + Math.round(need) + " px of " + sel.clientWidth);
    }
  }
  return out.join("; ");
})()`

// TestSettingsPagesFitAPhone opens every settings page of an owner and of
// the admin at 375 px in Chromium: no card's content is wider than the
// card, so no table is cut off and every button is in reach (tables
// become labelled lists), and no select's option is cut off, in light and
// dark. Screenshots go to the
// screenshot folder.
func TestSettingsPagesFitAPhone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := browsertest.Start(t)
	shots := screenshotDir(t)
	pages := map[string][]string{
		"ana": {"/settings/account", "/settings/notifications", "/settings/people", "/settings/cameras", "/settings/cameras/" + string(f.camA1.ID),
			"/settings/offsite", "/settings/links", "/settings/viewing"},
		"root": {"/settings/admin", "/settings/admin/cameras", "/settings/admin/system"},
	}
	for _, user := range []string{"ana", "root"} {
		browse(t, b, chromedp.EmulateViewport(375, 812))
		browserLogin(t, b, f.ts.URL, user)
		for _, page := range pages[user] {
			for _, dark := range []bool{false, true} {
				colorScheme(t, b, dark)
				browse(t, b, chromedp.Navigate(f.ts.URL+page), chromedp.WaitVisible(chromedp.CSS(`main`)))
				over, err := browsertest.Eval[string](b, cardOverflowJS)
				if err != nil {
					t.Fatal(err)
				}
				if over != "" {
					t.Errorf("%s as %s at 375 px (dark %v): %s", page, user, dark, over)
				}
				name := strings.ReplaceAll(strings.Trim(page, "/"), "/", "_")
				if len(name) > 40 {
					name = name[:40]
				}
				scheme := "light"
				if dark {
					scheme = "dark"
				}
				if err := b.Screenshot(filepath.Join(shots, fmt.Sprintf("phone-%s-%s-375-%s.png", user, name, scheme))); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// TestActionCellsStayInTheirRow: at desktop width every cell of a settings
// table is as tall as its row. The action cell (Disable, Remove) was a flex
// box, which takes a cell out of the table layout: the owner's own row, with
// no buttons, drew its line under that cell apart from the rest of the row.
func TestActionCellsStayInTheirRow(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := browsertest.Start(t)
	const rowsJS = `(() => {
  const out = [];
  for (const tr of document.querySelectorAll('table.stack tbody tr')) {
    const h = tr.getBoundingClientRect().height;
    for (const td of tr.children) {
      const th = td.getBoundingClientRect().height;
      if (Math.abs(th - h) > 1) out.push(tr.children[0].textContent.trim() + ": a cell " + th + " px high in a row of " + h + " px");
    }
  }
  return out.join("; ");
})()`
	for user, page := range map[string]string{"ana": "/settings/people", "root": "/settings/admin"} {
		browse(t, b, chromedp.EmulateViewport(1280, 800))
		browserLogin(t, b, f.ts.URL, user)
		browse(t, b, chromedp.Navigate(f.ts.URL+page), chromedp.WaitVisible(chromedp.CSS(`main`)))
		got, err := browsertest.Eval[string](b, rowsJS)
		if err != nil {
			t.Fatal(err)
		}
		if got != "" {
			t.Errorf("%s as %s at 1280 px: %s", page, user, got)
		}
	}
}

// TestLongCameraNameFitsAPhone: a camera named with 64 characters and no
// space (the longest name allowed) does not push its pages sideways at
// 375 px; its heading ran 1200 px past the screen on the camera page and
// on its settings page.
func TestLongCameraNameFitsAPhone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cam := f.addCamera(f.homeA.ID, strings.Repeat("W", 64), "rtsp://192.0.2.60/main")
	b := browsertest.Start(t)
	browse(t, b, chromedp.EmulateViewport(375, 812))
	browserLogin(t, b, f.ts.URL, "ana")
	for _, page := range []string{"/", "/cameras/" + string(cam.ID), "/settings/cameras", "/settings/cameras/" + string(cam.ID)} {
		browse(t, b, chromedp.Navigate(f.ts.URL+page), chromedp.WaitVisible(chromedp.CSS(`main`)))
		if w := evalT[int](t, b, `document.documentElement.scrollWidth`); w > 375 {
			t.Errorf("%s at 375 px: the page is %d px wide", page, w)
		}
	}
}
