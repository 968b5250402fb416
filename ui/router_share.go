package ui

import (
	"context"
	"net/http"
	"strings"

	"github.com/hearthnvr/hearth/nvr"
)

// PolicyShareLink guards a route under /s/{secret}/: the share link whose
// secret is in the path is the only credential it takes (a session cookie
// or a bearer token is ignored), decided by Policy.ShareLink from the
// link's row on every request. An unknown, expired, revoked or used-up
// link answers 404 like any missing page.
const PolicyShareLink RoutePolicy = "share-link"

// shareUnlockCookie carries a link's unlock (nvr.ShareUnlock), earned by
// entering its passcode, to the link's own paths only (its Path is
// /s/{secret}/): the policy checks it on every request, like the link
// itself. It never holds the passcode, and a revoked link's unlock opens
// nothing.
const shareUnlockCookie = "hearth_link_unlock"

// oldSharePasscodeCookie held the passcode itself (before the unlock): a
// browser that still has it is told to forget it.
const oldSharePasscodeCookie = "hearth_link_passcode"

// forgetOldPasscode expires the old passcode cookie of the link's paths,
// when the browser sent one.
func (s *Server) forgetOldPasscode(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(oldSharePasscodeCookie); err != nil {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: oldSharePasscodeCookie, Path: "/s/" + r.PathValue("secret") + "/", MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
}

// shareCounts tells whether a request to a link route starts a use that
// takes one of the link's views.
type shareCounts func(*http.Request) bool

func countNever(*http.Request) bool  { return false }
func countAlways(*http.Request) bool { return true }

// countFromStart counts a download or a player's first request, not the
// range requests of its seeks.
func countFromStart(r *http.Request) bool {
	rg := r.Header.Get("Range")
	return rg == "" || strings.HasPrefix(rg, "bytes=0-")
}

// shareUse takes one of the link's views for a counted use
// (Policy.UseShareView); nil for a use that takes none.
type shareUse func(context.Context) error

// take takes the view, if the use counts. Call it once the media is ready
// and before any is handed out.
func (u shareUse) take(ctx context.Context) error {
	if u == nil {
		return nil
	}
	return u(ctx)
}

// shareLink guards a route whose pattern names the link as {secret}. The
// handler gets the policy's grant for action a on the link's camera, the
// link as read, and the use to take when the request counts (counts).
// page routes answer a refusal with the link's HTML refusal page (or the
// passcode form); API routes with JSON.
func (rt *router) shareLink(pattern string, a nvr.Action, counts shareCounts, page bool,
	h func(http.ResponseWriter, *http.Request, nvr.CameraGrant, nvr.ShareLink, shareUse)) {
	if !strings.Contains(pattern, "/s/{secret}/") {
		panic("ui: share link route without /s/{secret}/: " + pattern)
	}
	rt.handle(Route{Pattern: pattern, Policy: PolicyShareLink, Action: a, Page: page}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		rt.srv.forgetOldPasscode(w, r)
		count := counts(r)
		g, l, err := rt.srv.policy.ShareLink(r.Context(), r.PathValue("secret"), shareProof(r), a, count)
		if err != nil {
			if page {
				rt.srv.shareRefused(w, r, err)
				return
			}
			rt.srv.writeError(w, r, err)
			return
		}
		var use shareUse
		if count {
			use = func(ctx context.Context) error { return rt.srv.policy.UseShareView(ctx, g) }
		}
		h(w, r, g, l, use)
	}))
}

// shareProof is the unlock the browser holds for the link, if any.
func shareProof(r *http.Request) nvr.ShareProof {
	c, err := r.Cookie(shareUnlockCookie)
	if err != nil || len(c.Value) > nvr.MaxShareUnlockLen {
		return nvr.ShareProof{}
	}
	return nvr.ShareProof{Unlock: c.Value}
}

// redactSharePath hides a link's secret in a logged path.
func redactSharePath(p string) string {
	rest, ok := strings.CutPrefix(p, "/s/")
	if !ok {
		return p
	}
	if _, tail, found := strings.Cut(rest, "/"); found {
		return "/s/[link]/" + tail
	}
	return "/s/[link]"
}

// shareLinkBare registers a link route whose handler decides through the
// policy itself (the redirect decides nothing and serves nothing; the
// passcode form asks Policy.ShareLink with the passcode it was given).
func (rt *router) shareLinkBare(pattern string, h http.HandlerFunc) {
	rt.handle(Route{Pattern: pattern, Policy: PolicyShareLink, Page: true}, h)
}
