package views

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The off-site card's newest footage and when it was copied read as one
// line with a space between them ("19:00(copied at" ran them together).
func TestOffsiteLastCopiedReads(t *testing.T) {
	at := time.Date(2026, 12, 7, 19, 0, 0, 0, time.Local)
	var b strings.Builder
	m := OffsiteModel{Configured: true, Kind: "dir", Path: "/srv/copies", HasStatus: true, LastCopied: at, LastCopiedAt: at.Add(3 * time.Second)}
	if err := Offsite(m).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	i := strings.Index(html, `data-testid="offsite-last-copied"`)
	if i < 0 {
		t.Fatal("no offsite-last-copied")
	}
	end := strings.Index(html[i:], "</dd>")
	// As a browser shows it: tags gone, runs of white space one space.
	text := strings.Join(strings.Fields(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(html[i:i+end], "")), " ")
	if !strings.HasSuffix(text, ">2026-12-07 19:00 (copied at 2026-12-07 19:00)") {
		t.Errorf("the line reads %q", text)
	}
}
