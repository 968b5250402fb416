package ui

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/ui/views"
)

// Share links (issue 21): made and listed by the household through the
// API, opened by anyone holding one under /s/{secret}/.

type createShareRequest struct {
	Kind           string `json:"kind"`  // live or clip
	Start          string `json:"start"` // clip: RFC 3339
	End            string `json:"end"`
	ExpiresInHours int    `json:"expires_in_hours"` // 0: 24
	Passcode       string `json:"passcode"`
	MaxViews       int    `json:"max_views"`
	Note           string `json:"note"` // the household's label, at most 80 characters
}

// shareJSON is a link as listed: never its secret (it is not stored).
type shareJSON struct {
	ID          string    `json:"id"`
	Camera      string    `json:"camera"`
	CameraName  string    `json:"camera_name"`
	Kind        string    `json:"kind"`
	Start       time.Time `json:"start,omitzero"`
	End         time.Time `json:"end,omitzero"`
	Created     time.Time `json:"created"`
	Expires     time.Time `json:"expires"`
	Passcode    bool      `json:"passcode"`
	MaxViews    int       `json:"max_views"`
	Views       int       `json:"views"`
	Note        string    `json:"note,omitempty"`
	CreatedBy   string    `json:"created_by"`
	URL         string    `json:"url,omitempty"`   // the creation answer only
	Token       string    `json:"token,omitempty"` // the same, for the settings form's one-time output
	ExpiresNote string    `json:"expires_note,omitempty"`
}

func shareOf(l nvr.ShareLinkInfo) shareJSON {
	return shareJSON{ID: l.PublicID(), Camera: string(l.CameraID), CameraName: l.CameraName, Kind: string(l.Kind),
		Start: l.Window.Start, End: l.Window.End, Created: l.CreatedAt, Expires: l.ExpiresAt,
		Passcode: l.HasPasscode(), MaxViews: l.MaxViews, Views: l.Views, Note: l.Note, CreatedBy: l.CreatorName}
}

// handleCreateShare makes a link to the camera: 201 with its URL, shown
// this once.
func (s *Server) handleCreateShare(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	if s.shares == nil {
		s.writeError(w, r, nvr.ErrNotFound)
		return
	}
	var req createShareRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	maxHours := int(nvr.MaxShareTTL / time.Hour)
	if req.ExpiresInHours < 0 || req.ExpiresInHours > maxHours {
		s.writeError(w, r, errInvalid("expires_in_hours must be 0 (24 hours) to %d", maxHours))
		return
	}
	nl := nvr.NewShareLink{Kind: nvr.ShareKind(req.Kind), TTL: time.Duration(req.ExpiresInHours) * time.Hour,
		Passcode: req.Passcode, MaxViews: req.MaxViews, Note: req.Note}
	if req.Kind == string(nvr.ShareClip) {
		tr, err := view.ParseTimeRange(req.Start, req.End, nvr.MaxShareClip)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		nl.Window = tr
	} else if req.Start != "" || req.End != "" {
		s.writeError(w, r, errInvalid("start and end are for clip links"))
		return
	}
	secret, l, err := s.shares.Create(r.Context(), g, nl)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := shareOf(l)
	out.URL = "/s/" + secret + "/"
	out.Token = out.URL
	writeJSON(w, http.StatusCreated, out)
}

// handleShares lists the links the caller may manage.
func (s *Server) handleShares(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	if s.shares == nil {
		writeJSON(w, http.StatusOK, map[string]any{"links": []shareJSON{}})
		return
	}
	ls, err := s.shares.List(r.Context(), g)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]shareJSON, 0, len(ls))
	for _, l := range ls {
		out = append(out, shareOf(l))
	}
	writeJSON(w, http.StatusOK, map[string]any{"links": out})
}

// handleRevokeShare deletes a link; an open viewer of it ends within a
// second (its session's recheck).
func (s *Server) handleRevokeShare(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	if s.shares == nil {
		s.writeError(w, r, nvr.ErrNotFound)
		return
	}
	if err := s.shares.Revoke(r.Context(), g, r.PathValue("lid")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleShareRedirect sends /s/{secret} to /s/{secret}/, so the page's
// media URLs are relative and the page itself never holds the secret.
func (s *Server) handleShareRedirect(w http.ResponseWriter, r *http.Request) {
	// Header only: http.Redirect would repeat the URL, secret and all, in
	// a body.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", r.URL.Path+"/")
	w.WriteHeader(http.StatusSeeOther)
}

// handleSharePage is the link's minimal player: live view over WHEP, or
// the clip with a download link.
func (s *Server) handleSharePage(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant, l nvr.ShareLink, _ shareUse) {
	m := views.ShareModel{Camera: g.Camera().Name, Live: l.Kind == nvr.ShareLive, Start: l.Window.Start, End: l.Window.End,
		Expires: l.ExpiresAt, MaxViews: l.MaxViews, UsedUp: l.UsedUp()}
	s.render(w, r, http.StatusOK, views.SharePage(m))
}

// handleSharePasscode takes the passcode form: a right passcode earns the
// link's unlock, kept in a cookie for the link's paths (never the passcode
// itself); a wrong one shows the form again.
func (s *Server) handleSharePasscode(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	secret := r.PathValue("secret")
	// The policy decides first: an unknown link answers the same page
	// whatever was posted.
	pass := r.PostFormValue("passcode")
	_, l, err := s.policy.ShareLink(r.Context(), secret, nvr.ShareProof{Passcode: pass}, nvr.ActionViewCamera, false)
	if err != nil {
		s.shareRefused(w, r, err)
		return
	}
	if unlock := nvr.ShareUnlock(secret, l); unlock != "" {
		http.SetCookie(w, &http.Cookie{Name: shareUnlockCookie, Value: unlock, Path: "/s/" + secret + "/",
			HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
	}
	w.Header().Set("Location", "/s/"+secret+"/")
	w.WriteHeader(http.StatusSeeOther)
}

// shareRefused answers a refused link page: the passcode form when the
// link needs its passcode (a wrong one said so), else one page for every
// unknown, expired, revoked or used-up link.
func (s *Server) shareRefused(w http.ResponseWriter, r *http.Request, err error) {
	switch kind := nvr.ErrorKind(err); {
	case kind == nvr.KindUnauthorized:
		s.render(w, r, http.StatusUnauthorized, views.SharePasscode(views.SharePasscodeModel{Wrong: r.Method == http.MethodPost}))
	case kind == nvr.KindNotFound:
		s.render(w, r, http.StatusNotFound, views.ShareGone())
	case retryAfter(err) > 0:
		// Too many wrong passcodes: the form again, saying how long to wait.
		wait := retryAfter(err)
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		s.render(w, r, http.StatusServiceUnavailable, views.SharePasscode(views.SharePasscodeModel{Wait: waitWords(wait)}))
	default:
		s.pageError(w, r, err)
	}
}

// handleShareWHEP starts the link's live session; its Location is under
// the link's path.
func (s *Server) handleShareWHEP(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant, _ nvr.ShareLink, use shareUse) {
	if r.URL.Query().Has("start") {
		s.writeError(w, r, errInvalid("a live link plays live only"))
		return
	}
	s.startWHEP(w, r, g, "/s/"+r.PathValue("secret")+"/whep/", use)
}

// handleShareClip serves the link's clip: its whole range, nothing else.
func (s *Server) handleShareClip(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant, l nvr.ShareLink, use shareUse) {
	if len(r.URL.Query()) > 0 {
		s.writeError(w, r, errInvalid("a link's clip is its whole range; it takes no parameters"))
		return
	}
	if s.playback == nil {
		s.writeError(w, r, nvr.Errorf("clip", nvr.KindUnavailable, "recording is not enabled"))
		return
	}
	win, ok := g.Window()
	if !ok {
		s.writeError(w, r, nvr.ErrNotFound)
		return
	}
	s.serveClip(w, r, g, win, use)
}

// registerShareRoutes: the management API and the public link routes.
func (s *Server) registerShareRoutes(rt *router) {
	rt.camera("POST /api/cameras/{id}/links", nvr.ActionViewCamera, s.handleCreateShare)
	rt.user("GET /api/links", s.handleShares)
	rt.user("DELETE /api/links/{lid}", s.handleRevokeShare)
	rt.pageUser("GET /settings/links", s.handleSharesPage)
	rt.user("GET /api/viewing", s.handleViewing)
	rt.pageUser("GET /settings/viewing", s.handleViewingPage)

	rt.shareLinkBare("GET /s/{secret}", s.handleShareRedirect)
	rt.shareLink("GET /s/{secret}/{$}", nvr.ActionViewCamera, countNever, true, s.handleSharePage)
	rt.shareLinkBare("POST /s/{secret}/{$}", s.handleSharePasscode)
	rt.shareLink("POST /s/{secret}/whep", nvr.ActionViewLive, countAlways, false, s.handleShareWHEP)
	rt.shareLink("PATCH /s/{secret}/whep/{sid}", nvr.ActionViewLive, countNever, false, s.handleShareWHEPPatch)
	rt.shareLink("DELETE /s/{secret}/whep/{sid}", nvr.ActionViewLive, countNever, false, s.handleShareWHEPDelete)
	rt.shareLink("GET /s/{secret}/clip.mp4", nvr.ActionViewRecordings, countFromStart, false, s.handleShareClip)
}

func (s *Server) handleShareWHEPPatch(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant, _ nvr.ShareLink, _ shareUse) {
	s.handleWHEPPatch(w, r, g)
}

func (s *Server) handleShareWHEPDelete(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant, _ nvr.ShareLink, _ shareUse) {
	s.handleWHEPDelete(w, r, g)
}

// retryAfter is a rate-limited error's wait, or 0.
func retryAfter(err error) time.Duration {
	var e *nvr.Error
	if errors.As(err, &e) && e.Kind == nvr.KindUnavailable {
		return e.RetryAfter
	}
	return 0
}

// waitWords says a wait the way a person would: "a minute", "3 minutes".
func waitWords(d time.Duration) string {
	m := int(math.Ceil(d.Minutes()))
	if m <= 1 {
		return "a minute"
	}
	return strconv.Itoa(m) + " minutes"
}
