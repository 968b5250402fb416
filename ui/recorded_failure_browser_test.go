package ui

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/ui/browsertest"
)

// TestRecordedPlayerSaysWhenTheRecordingCannotBeOpened: a recording the
// appliance would not open (its file gone, or a fault) made the camera
// page say "This browser cannot play this recording": WHEP was refused,
// the clip tried next failed too, and its media error was read as the
// browser's. The appliance's refusal is what the page says now.
func TestRecordedPlayerSaysWhenTheRecordingCannotBeOpened(t *testing.T) {
	t.Parallel()
	f := newFixture(t) // no playback: the server refuses both WHEP and the clip
	b := browsertest.Start(t)
	browserLogin(t, b, f.ts.URL, "ana")
	browse(t, b, chromedp.Navigate(f.ts.URL+"/settings/account"))
	said, err := browsertest.Eval[string](b, `(async () => {
		const { RecordedPlayer } = await import('/static/js/recorded.js');
		const v = document.createElement('video');
		document.body.append(v);
		let said = '';
		const p = new RecordedPlayer(v, '`+string(f.camA1.ID)+`', { onStatus: (s) => { said = s; }, onEnded: () => {}, onFrame: () => {} });
		await p.play(Date.now() - 60000, Date.now() - 30000);
		for (let i = 0; i < 100 && !said; i++) await new Promise((r) => setTimeout(r, 100));
		return said;
	})()`)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(said, "Hearth could not open this recording (") || strings.Contains(said, "browser") {
		t.Fatalf("the player says %q", said)
	}
	t.Logf("the player says %q", said)
}
