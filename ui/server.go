package ui

import (
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/events"
	"github.com/hearthnvr/hearth/nvr/ingest"
	"github.com/hearthnvr/hearth/nvr/ptz"
	"github.com/hearthnvr/hearth/nvr/view"
)

// Config holds the HTTP layer's settings.
type Config struct {
	// SecureCookies marks cookies Secure; set when serving TLS.
	SecureCookies bool
	// MaxBodyBytes bounds request bodies (default 1 MiB).
	MaxBodyBytes int64
	// BodyTimeout bounds the time a request body may take to arrive
	// (DefaultBodyTimeout; negative: none). See withBodyDeadline.
	BodyTimeout time.Duration
	// Hosts are the Host names answered (DNS-rebinding defence).
	Hosts HostPolicy
	// FFmpeg says ffmpeg is installed, so picture analysis can run: a
	// camera's settings say which motion detector runs for it.
	FFmpeg bool
}

// Deps are the domain services the server calls.
type Deps struct {
	Policy    *nvr.Policy
	Auth      *nvr.Auth
	Directory *nvr.Directory
	// Status reports cameras' live ingest state; nil reports none.
	Status CameraStatusSource
	// Playback serves recordings; nil when recording is off.
	Playback *view.Playback
	// Setup creates the first appliance admin; nil disables the setup routes.
	Setup *nvr.Setup
	// Storage is retention, for the admin's storage routes; nil when off.
	Storage StorageAdmin
	// Events serves events, thumbnails and triggers; nil: the event
	// routes answer 404 (503 for triggers).
	Events *events.Events
	// Reviews keeps users' review marks on events; nil: the review routes
	// answer 404 and events are shown unmarked.
	Reviews *nvr.Reviews
	// WebRTC is live view over WebRTC (WHEP); its zero value answers 503.
	// Its Sessions registry admits the MSE sessions too: one set of limits,
	// rechecks and audit rows for every live and playback session.
	WebRTC WebRTCLive
	// Live gives granted cameras' hubs, for the MSE live route; nil (or no
	// WebRTC.Sessions) when off.
	Live LiveSource
	// Shares makes, lists and revokes share links (their use is the
	// policy's); nil: the management routes answer 404 and list none.
	Shares *nvr.Shares
	// Viewing reads the household's viewing log; nil: it lists nothing.
	Viewing *nvr.ViewingLog
	// Shutters reads privacy shutters' history (the switches are the
	// Directory's); nil: the shutter routes answer 404.
	Shutters *nvr.Shutters
	// OnShutter is called after a shutter switch, so recording and
	// detection react at once instead of at their next poll; nil: none.
	OnShutter func()
	// Probe tests a camera stream for "test connection"; nil uses
	// ingest.ProbeCamera.
	Probe Prober
	// LookupHost resolves camera URL host names for the loopback check;
	// nil uses Resolver's, else the system resolver.
	LookupHost nvr.LookupHost
	// Resolver resolves camera host names for the test connection's dial
	// (nil: the system resolver); tests give one talking to a fake DNS.
	Resolver *net.Resolver
	// Notifications holds users' notification channels and rules; nil:
	// the notification routes answer 404. Notifier sends test messages
	// and keeps what became of each channel's last messages (nil: the
	// test route answers 503, and pages say nothing of deliveries).
	Notifications *nvr.Notifications
	Notifier      Notifier
	// Offsite holds the households' off-site targets and OffsiteStatus
	// measures their copies; nil Offsite: the off-site routes answer 404.
	Offsite       *nvr.Offsite
	OffsiteStatus OffsiteStatusSource
	// VAPIDPublicKey is the web push key browsers subscribe with; "":
	// no web push.
	VAPIDPublicKey string
	// EmailNotifications: the appliance has a mail relay (serve
	// --smtp-addr), so e-mail channels can send; without one they are
	// refused when added rather than failing at every message.
	EmailNotifications bool
	Log                *slog.Logger
	Now                func() time.Time
}

// CameraStatusSource reports a granted camera's ingest state.
type CameraStatusSource interface {
	Status(g nvr.CameraGrant) ingest.CameraStatus
}

// Server is Hearth's HTTP handler. Safe for concurrent use.
type Server struct {
	cfg      Config
	policy   *nvr.Policy
	auth     *nvr.Auth
	dir      directory
	status   CameraStatusSource
	playback *view.Playback
	setup    *nvr.Setup
	storage  StorageAdmin
	events   *events.Events
	reviews  *nvr.Reviews
	live     WebRTCLive
	probe    Prober
	shutters *nvr.Shutters
	shares   *nvr.Shares
	viewing  *nvr.ViewingLog
	// onShutter: Deps.OnShutter.
	onShutter func()
	probes    chan struct{} // a slot per running probe
	ptz       *ptz.Controller
	lookup    nvr.LookupHost
	resolver  *net.Resolver
	started   time.Time
	log       *slog.Logger
	now       func() time.Time
	router    *router
	handler   http.Handler

	notes    *nvr.Notifications
	notifier Notifier

	offsite       *nvr.Offsite
	offsiteStatus OffsiteStatusSource
	vapidKey      string
	email         bool // a mail relay is set up (Deps.EmailNotifications)

	mse mseState // the MSE live route (api_mse.go)
}

// NewServer builds the server and registers every route.
func NewServer(cfg Config, d Deps) *Server {
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.BodyTimeout == 0 {
		cfg.BodyTimeout = DefaultBodyTimeout
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Probe == nil {
		d.Probe = ingest.ProbeCamera
	}
	if d.LookupHost == nil && d.Resolver != nil {
		d.LookupHost = d.Resolver.LookupHost
	}
	s := &Server{cfg: cfg, policy: d.Policy, auth: d.Auth, dir: d.Directory, status: d.Status,
		playback: d.Playback, setup: d.Setup, storage: d.Storage, events: d.Events, reviews: d.Reviews, live: d.WebRTC, probe: d.Probe,
		probes: make(chan struct{}, maxProbes), ptz: ptz.NewController(d.Now), lookup: d.LookupHost, resolver: d.Resolver, started: time.Now(), log: d.Log, now: d.Now}
	s.notes, s.notifier, s.vapidKey, s.email = d.Notifications, d.Notifier, d.VAPIDPublicKey, d.EmailNotifications
	s.offsite, s.offsiteStatus = d.Offsite, d.OffsiteStatus
	s.shutters, s.onShutter = d.Shutters, d.OnShutter
	s.shares, s.viewing = d.Shares, d.Viewing
	s.mse = newMSEState(d.Live)
	s.router = newRouter(s)
	s.registerRoutes(s.router)
	s.handler = s.wrap(s.router.mux)
	return s
}

// wrap applies the middleware, outermost first.
func (s *Server) wrap(h http.Handler) http.Handler {
	h = withBodyLimit(s.cfg.MaxBodyBytes, h)
	h = withCrossOriginProtection(h)
	h = withSecurityHeaders(s.cfg.SecureCookies, h)
	h = withHostCheck(s.cfg.Hosts, h)
	h = withRecover(s.log, h)
	h = withAccessLog(s.log, h)
	h = withRequestID(h)
	// Outermost: a request refused before its body is read still has
	// the deadline when net/http drains the body after the answer.
	h = withBodyDeadline(s.cfg.BodyTimeout, h)
	return h
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Routes lists every registered route with its policy, for the route sweep.
func (s *Server) Routes() []Route { return append([]Route(nil), s.router.routes...) }

// registerRoutes is the route table. Each line names its policy.
func (s *Server) registerRoutes(rt *router) {
	rt.public("GET /healthz", s.handleHealth)
	rt.public("/api/", s.handleAPINotFound)

	rt.public("GET /static/{file...}", staticHandler().ServeHTTP)
	rt.public("GET /setup", s.handleSetupPage)
	rt.public("POST /setup", s.handleSetupForm)
	rt.public("POST /api/setup", s.handleSetupAPI)

	rt.public("POST /api/login", s.handleLogin)
	rt.user("POST /api/logout", s.handleLogout)
	rt.user("GET /api/me", s.handleMe)

	rt.user("GET /api/cameras", s.handleCameras)
	rt.camera("GET /api/cameras/{id}", nvr.ActionViewCamera, s.handleCamera)
	rt.camera("GET /api/cameras/{id}/recordings", nvr.ActionViewRecordings, s.handleRecordings)
	rt.camera("GET /api/cameras/{id}/clip.mp4", nvr.ActionViewRecordings, s.handleClip)
	rt.camera("POST /api/cameras/{id}/whep", nvr.ActionViewLive, s.handleWHEP)
	rt.camera("DELETE /api/cameras/{id}/whep/{sid}", nvr.ActionViewLive, s.handleWHEPDelete)
	rt.camera("PATCH /api/cameras/{id}/whep/{sid}", nvr.ActionViewLive, s.handleWHEPPatch)
	rt.camera("GET /api/cameras/{id}/mse", nvr.ActionViewLive, s.handleMSE)
	rt.camera("POST /api/cameras/{id}/events", nvr.ActionTriggerEvent, s.handleTriggerEvent)

	rt.user("GET /api/events", s.handleEvents)
	rt.event("GET /api/events/{eid}", nvr.ActionViewRecordings, s.handleEvent)
	rt.event("GET /api/events/{eid}/thumbnail", nvr.ActionViewRecordings, s.handleEventThumbnail)
	rt.event("GET /api/events/{eid}/clip.mp4", nvr.ActionViewRecordings, s.handleEventClip)
	rt.event("POST /api/events/{eid}/pin", nvr.ActionPinEvents, s.handleEventPin)
	rt.event("DELETE /api/events/{eid}/pin", nvr.ActionPinEvents, s.handleEventUnpin)
	rt.event("DELETE /api/events/{eid}", nvr.ActionDeleteEvents, s.handleEventDelete)
	// Marking reviewed needs what watching the event needs.
	rt.event("POST /api/events/{eid}/reviewed", nvr.ActionViewRecordings, s.handleEventReviewed)
	rt.event("DELETE /api/events/{eid}/reviewed", nvr.ActionViewRecordings, s.handleEventUnreviewed)
	rt.user("POST /api/events/reviewed", s.handleEventsReviewed)

	rt.household("GET /api/household/members", s.handleHouseholdMembers)
	rt.household("PUT /api/household/members/{uid}/cameras/{id}", s.handleHouseholdAssign)
	rt.household("DELETE /api/household/members/{uid}/cameras/{id}", s.handleHouseholdUnassign)

	rt.admin("GET /api/admin/households", s.handleAdminHouseholds)
	rt.admin("POST /api/admin/households", s.handleAdminAddHousehold)
	rt.admin("DELETE /api/admin/households/{hid}", s.handleAdminRemoveHousehold)
	rt.admin("GET /api/admin/users", s.handleAdminUsers)
	rt.admin("POST /api/admin/users", s.handleAdminAddUser)
	rt.admin("PATCH /api/admin/users/{uid}", s.handleAdminUpdateUser)
	rt.admin("DELETE /api/admin/users/{uid}", s.handleAdminRemoveUser)
	rt.admin("PUT /api/admin/users/{uid}/cameras/{id}", s.handleAdminAssign)
	rt.admin("DELETE /api/admin/users/{uid}/cameras/{id}", s.handleAdminUnassign)
	rt.admin("GET /api/admin/cameras", s.handleAdminCameras)
	rt.admin("POST /api/admin/cameras", s.handleAdminAddCamera)
	rt.admin("DELETE /api/admin/cameras/{id}", s.handleAdminRemoveCamera)
	rt.admin("POST /api/admin/cameras/{id}/move", s.handleAdminMoveCamera)
	rt.admin("GET /api/admin/storage", s.handleAdminStorage)
	rt.admin("POST /api/admin/storage/approve", s.handleAdminStorageApprove)
	rt.admin("GET /api/admin/debug/pprof/{name...}", s.handlePprof)

	s.registerAccountAndConfigRoutes(rt)
	s.registerShareRoutes(rt)
	s.registerONVIFNotify(rt)
	s.registerPages(rt)
}

// registerAccountAndConfigRoutes: the user's own account, and camera
// configuration by owners (the admin has its own routes above).
func (s *Server) registerAccountAndConfigRoutes(rt *router) {
	rt.user("POST /api/me/password", s.handleChangeMyPassword)
	rt.user("GET /api/me/sessions", s.handleMySessions)
	rt.user("DELETE /api/me/sessions/{sid}", s.handleEndMySession)
	rt.user("DELETE /api/me/sessions", s.handleEndOtherSessions)
	rt.user("GET /api/me/tokens", s.handleMyTokens)
	rt.user("POST /api/me/tokens", s.handleCreateMyToken)
	rt.user("DELETE /api/me/tokens/{tid}", s.handleRevokeMyToken)

	rt.household("POST /api/household/members", s.handleHouseholdAddMember)
	rt.household("PATCH /api/household/members/{uid}", s.handleHouseholdUpdateMember)
	rt.household("DELETE /api/household/members/{uid}", s.handleHouseholdRemoveMember)
	rt.household("POST /api/household/cameras", s.handleHouseholdAddCamera)
	rt.camera("PATCH /api/cameras/{id}", nvr.ActionManageCamera, s.handleEditCamera)
	rt.camera("DELETE /api/cameras/{id}", nvr.ActionManageCamera, s.handleRemoveCamera)
	rt.camera("GET /api/cameras/{id}/snapshot", nvr.ActionViewLive, s.handleSnapshot)
	rt.camera("GET /api/cameras/{id}/shutter", nvr.ActionViewCamera, s.handleShutter)
	rt.camera("POST /api/cameras/{id}/shutter", nvr.ActionSwitchShutter, s.handleShutterSwitch)
	rt.camera("POST /api/cameras/{id}/ptz", nvr.ActionControlPTZ, s.handlePTZ)
	rt.user("POST /api/cameras/test", s.handleProbeCamera) // owners and the admin; checked inside
	rt.user("POST /api/onvif/probe", s.handleONVIFProbe)   // the policy's ProbeAddress decides inside
	rt.admin("POST /api/admin/onvif/discover", s.handleONVIFDiscover)

	rt.user("GET /api/notify/channels", s.handleNotifyChannels)
	rt.user("POST /api/notify/channels", s.handleAddNotifyChannel)
	rt.user("DELETE /api/notify/channels/{chid}", s.handleRemoveNotifyChannel)
	rt.user("POST /api/notify/channels/{chid}/test", s.handleTestNotifyChannel)
	rt.user("GET /api/notify/webpush/key", s.handleWebPushKey)
	rt.user("POST /api/notify/webpush", s.handleAddWebPush)
	rt.user("GET /api/notify/rules", s.handleNotifyRules)
	rt.user("POST /api/notify/rules", s.handleAddNotifyRule)
	rt.user("DELETE /api/notify/rules/{ruleid}", s.handleRemoveNotifyRule)

	rt.offsite("GET /api/household/offsite", s.handleOffsite)
	rt.offsite("PUT /api/household/offsite", s.handleSetOffsite)
	rt.offsite("DELETE /api/household/offsite", s.handleRemoveOffsite)
}

// registerPages is the HTML side: server-rendered pages with the same
// policies as the API, redirecting to /login without a session.
func (s *Server) registerPages(rt *router) {
	rt.public("GET /login", s.handleLoginPage)
	rt.public("POST /login", s.handleLoginForm)
	rt.pageUser("POST /logout", s.handleLogoutForm)
	rt.public("/", s.handlePageNotFound)

	rt.pageUser("GET /{$}", s.handleLivePage)
	rt.pageCamera("GET /cameras/{id}", nvr.ActionViewCamera, s.handleCameraPage)
	rt.pageUser("GET /events", s.handleEventsPage)

	rt.pageUser("GET /settings", s.handleSettingsPage)
	rt.pageUser("GET /settings/account", s.handleAccountPage)
	rt.pageUser("GET /settings/notifications", s.handleNotificationsPage)
	rt.pageHousehold("GET /settings/people", s.handlePeoplePage)
	rt.pageHousehold("GET /settings/cameras", s.handleHouseholdCamerasPage)
	rt.pageOffsite("GET /settings/offsite", s.handleOffsitePage)
	rt.pageCamera("GET /settings/cameras/{id}", nvr.ActionManageCamera, s.handleCameraEditPage)
	rt.pageCamera("POST /settings/cameras/{id}/detection", nvr.ActionManageCamera, s.handleCameraDetectionForm)
	rt.pageAdmin("GET /settings/admin", s.handleAdminPage)
	rt.pageAdmin("GET /settings/admin/cameras", s.handleAdminCamerasPage)
	rt.pageAdmin("GET /settings/admin/system", s.handleSystemPage)
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

// handleAPINotFound answers API paths no route matched: 405 with Allow when
// the path exists under other methods, else the JSON 404.
func (s *Server) handleAPINotFound(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.router.mux.Handler(probe); pattern != "" && pattern != "/api/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: "method not allowed"})
		return
	}
	s.writeError(w, r, nvr.ErrNotFound)
}
