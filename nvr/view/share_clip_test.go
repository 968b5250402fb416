package view

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db/dbtest"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/segment"
	"github.com/hearthnvr/hearth/streams/sei"
)

// clipFrames returns the SEI stamps of a clip's pictures, in order.
func clipFrames(t *testing.T, data []byte) []sei.Stamp {
	t.Helper()
	l, err := segment.Scan(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("scan clip: %v", err)
	}
	var out []sei.Stamp
	for _, f := range l.Fragments {
		for off := f.Offset; off < f.Offset+f.Length; {
			size := int64(binary.BigEndian.Uint32(data[off:]))
			if string(data[off+4:off+8]) == "mdat" {
				for p := data[off+8 : off+8+f.Tracks[0].DataSize]; len(p) >= 4; {
					n := int(binary.BigEndian.Uint32(p))
					if st, ok := sei.Parse(p[4 : 4+n]); ok {
						out = append(out, st)
					}
					p = p[4+n:]
				}
			}
			off += size
		}
	}
	return out
}

// TestShareLinkClipConfined: a clip link's grant reads only its camera's
// footage inside the link's range, whatever range is asked of playback:
// the clip, the covered ranges and replay are clamped to it, and a range
// outside it is not found. The owner's own grant over the same request
// reaches beyond it (the control).
func TestShareLinkClipConfined(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	w := dbtest.NewWorld(t, nil)
	camA, camB := w.Camera(t, nvr.CameraChanges{}).ID, w.Camera(t, nvr.CameraChanges{}).ID
	recordSpan(t, w.DB, dir, camA, base, 60)
	recordSpan(t, w.DB, dir, camB, base, 60)
	ctx := context.Background()
	const pw = "correct horse battery"
	if _, err := w.Ops.AddUser(ctx, nvr.NewUser{Name: "olive", HouseholdID: w.Home.ID, Role: nvr.RoleOwner, Password: pw}); err != nil {
		t.Fatal(err)
	}
	auth := nvr.NewAuth(w.DB, nvr.AuthConfig{Argon2: dbtest.CheapArgon2})
	tok, _, err := auth.Login(ctx, "olive", pw, nvr.ClientInfo{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := auth.Authenticate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	pol := nvr.NewPolicy(w.DB, nil, nil)
	view, err := pol.Camera(ctx, p, nvr.ActionViewCamera, camA)
	if err != nil {
		t.Fatal(err)
	}
	// Not on GOP boundaries: the keyframe before the start is outside it.
	win := nvr.TimeRange{Start: base.Add(21 * time.Second), End: base.Add(31 * time.Second)}
	secret, _, err := nvr.NewShares(w.DB, nil, dbtest.CheapArgon2).Create(ctx, view, nvr.NewShareLink{Kind: nvr.ShareClip, Window: win})
	if err != nil {
		t.Fatal(err)
	}
	lg, _, err := pol.ShareLink(ctx, secret, nvr.ShareProof{}, nvr.ActionViewRecordings, false)
	if err != nil {
		t.Fatal(err)
	}
	own, err := pol.Camera(ctx, p, nvr.ActionViewRecordings, camA)
	if err != nil {
		t.Fatal(err)
	}
	pb := NewPlayback(w.DB, dir)
	all := nvr.TimeRange{Start: base, End: base.Add(60 * time.Second)}
	frameAt := func(s sei.Stamp) time.Time { return base.Add(time.Duration(s.Frame) * 100 * time.Millisecond) }
	read := func(g nvr.CameraGrant, r nvr.TimeRange) []sei.Stamp {
		t.Helper()
		c, err := pb.OpenClip(ctx, g, r)
		if err != nil {
			t.Fatalf("open clip: %v", err)
		}
		defer c.Close()
		b, err := io.ReadAll(c.Reader())
		if err != nil {
			t.Fatal(err)
		}
		return clipFrames(t, b)
	}
	// The fragments are whole GOPs of 2.5 s: the last may run past the end.
	const gop = 2500 * time.Millisecond
	frames := read(lg, all)
	if len(frames) == 0 {
		t.Fatal("the link's clip has no frames")
	}
	for _, s := range frames {
		if s.CameraID != string(camA) {
			t.Fatalf("a frame of %s through camera A's link", s.CameraID)
		}
		if at := frameAt(s); at.Before(win.Start) || !at.Before(win.End.Add(gop)) {
			t.Fatalf("a frame at %v through a link of %v to %v", at.Sub(base), win.Start.Sub(base), win.End.Sub(base))
		}
	}
	t.Logf("link clip: %d frames from %v to %v of the recording", len(frames), frameAt(frames[0]).Sub(base), frameAt(frames[len(frames)-1]).Sub(base))
	if ownFrames := read(own, all); len(ownFrames) <= len(frames) || frameAt(ownFrames[0]).After(base.Add(time.Second)) {
		t.Fatalf("the owner's clip of the whole minute: %d frames from %v", len(ownFrames), frameAt(ownFrames[0]).Sub(base))
	}
	rs, err := pb.Ranges(ctx, lg, all)
	if err != nil || len(rs) != 1 || rs[0].Start.Before(win.Start) || rs[0].End.After(win.End) {
		t.Fatalf("ranges through the link: %v %v", rs, err)
	}
	for _, r := range []nvr.TimeRange{{Start: base, End: win.Start}, {Start: win.End.Add(gop), End: all.End}} {
		if _, err := pb.OpenClip(ctx, lg, r); nvr.ErrorKind(err) != nvr.KindNotFound {
			t.Errorf("clip of %v to %v through the link: %v, want not found", r.Start.Sub(base), r.End.Sub(base), err)
		}
	}
	rd, err := pb.OpenReplay(ctx, lg, base, ReplayOptions{})
	if err != nil {
		t.Fatalf("replay through the link: %v", err)
	}
	rd.Close()
}

// TestShareLinkSessionsApart: a link's live session is found only through
// that link, and its creator's own session never through the link.
func TestShareLinkSessionsApart(t *testing.T) {
	t.Parallel()
	w := dbtest.NewWorld(t, nil)
	cam := w.Camera(t, nvr.CameraChanges{}).ID
	ctx := context.Background()
	const pw = "correct horse battery"
	if _, err := w.Ops.AddUser(ctx, nvr.NewUser{Name: "olive", HouseholdID: w.Home.ID, Role: nvr.RoleOwner, Password: pw}); err != nil {
		t.Fatal(err)
	}
	auth := nvr.NewAuth(w.DB, nvr.AuthConfig{Argon2: dbtest.CheapArgon2})
	tok, _, err := auth.Login(ctx, "olive", pw, nvr.ClientInfo{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := auth.Authenticate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	pol := nvr.NewPolicy(w.DB, nil, nil)
	own, err := pol.Camera(ctx, p, nvr.ActionViewLive, cam)
	if err != nil {
		t.Fatal(err)
	}
	view, err := pol.Camera(ctx, p, nvr.ActionViewCamera, cam)
	if err != nil {
		t.Fatal(err)
	}
	shares := nvr.NewShares(w.DB, nil, dbtest.CheapArgon2)
	link := func() nvr.CameraGrant {
		secret, _, err := shares.Create(ctx, view, nvr.NewShareLink{Kind: nvr.ShareLive})
		if err != nil {
			t.Fatal(err)
		}
		g, _, err := pol.ShareLink(ctx, secret, nvr.ShareProof{}, nvr.ActionViewLive, true)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	l1, l2 := link(), link()
	// One session per holder: a link's viewers are counted against the
	// link, not against its creator.
	ls := NewLiveSessions(pol, LiveConfig{MaxPerUser: 1})
	sOwn, err := ls.Admit(own, "whep", "main")
	if err != nil {
		t.Fatal(err)
	}
	sLink, err := ls.Admit(l1, "whep", "main")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ls.Admit(l1, "whep", "main"); nvr.ErrorKind(err) != nvr.KindUnavailable || !strings.Contains(err.Error(), "this link has 1 viewers") {
		t.Errorf("a second viewer of a one-viewer link: %v", err)
	}
	for _, c := range []struct {
		name string
		g    nvr.CameraGrant
		id   string
		ok   bool
	}{
		{"link finds its own", l1, sLink.ID, true},
		{"owner finds their own", own, sOwn.ID, true},
		{"owner finds the link's", own, sLink.ID, false},
		{"link finds the owner's", l1, sOwn.ID, false},
		{"another link finds it", l2, sLink.ID, false},
	} {
		if _, err := ls.Lookup(c.g, c.id); (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	sOwn.End(0, StopClosed)
	sLink.End(0, StopClosed)
}
