package notify

import (
	"context"
	"crypto/x509"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// Events is what notify needs of the event lifecycle, declared here by the
// consumer so that it survives the events package's move: the decision on
// one event for one principal, and its thumbnail through that grant.
// *events.Events implements it.
type Events interface {
	Grant(ctx context.Context, p nvr.Principal, a nvr.Action, id nvr.EventID) (nvr.EventGrant, error)
	Thumbnail(g nvr.EventGrant) (*os.File, string, error)
}

// Policy is the part of the access policy notify asks at send time.
// *nvr.Policy implements it.
type Policy interface {
	Recipient(ctx context.Context, ch nvr.NotifyChannel) (nvr.Recipient, error)
	NotifyCamera(ctx context.Context, r nvr.Recipient, a nvr.Action, cam nvr.CameraID) (nvr.CameraGrant, error)
	NotifyAdmin(ctx context.Context, r nvr.Recipient) (nvr.AdminGrant, error)
}

// Store is the part of the database notify reads: candidate rules and the
// user's channels, read again for every message. nvr.NotifyStore
// implementations satisfy it.
type Store interface {
	NotifyRulesFor(ctx context.Context, cam nvr.CameraID) ([]nvr.NotifyRule, error)
	NotifyChannels(ctx context.Context, u nvr.UserID) ([]nvr.NotifyChannel, error)
	NotifyChannel(ctx context.Context, u nvr.UserID, id nvr.NotifyChannelID) (nvr.NotifyChannel, error)
}

// Defaults.
const (
	DefaultIntake      = 256
	DefaultQueue       = 32
	DefaultMaxAttempts = 5
	DefaultRetryBase   = time.Second
	DefaultRetryCap    = 30 * time.Second
	DefaultThumbWait   = 3 * time.Second
	DefaultHTTPTimeout = 10 * time.Second
	workerIdle         = 2 * time.Minute
	thumbPoll          = 200 * time.Millisecond
	maxThumbBytes      = 2 << 20
)

// Config configures a Service. Store, Policy and Events are required.
type Config struct {
	Store  Store
	Policy Policy
	Events Events
	// SMTP is the appliance's mail relay; zero: e-mail channels fail
	// their sends with a clear error.
	SMTP SMTPConfig
	// BaseURL is how people reach this appliance ("https://nvr.lan"), for
	// the link in each message; "": messages carry no link.
	BaseURL string
	// Location is the zone of quiet hours and of times in messages
	// (default time.Local).
	Location *time.Location
	// Intake bounds the items waiting for the dispatcher; Queue bounds
	// each channel's messages waiting to be sent.
	Intake, Queue int
	// MaxAttempts bounds the sends of one message; RetryBase and RetryCap
	// shape the backoff between them (full jitter).
	MaxAttempts         int
	RetryBase, RetryCap time.Duration
	// ThumbWait is how long a message that wants a thumbnail waits for
	// the event's first one to be written before going without.
	ThumbWait time.Duration
	// HTTPTimeout bounds one webhook or ntfy request.
	HTTPTimeout time.Duration
	// VAPID is the appliance's web push key; nil: web push channels fail
	// their sends with a clear error.
	VAPID *VAPID
	// RootCAs, when set, is the only trust for HTTPS and SMTP TLS (tests
	// with their own CA); nil: the system's.
	RootCAs *x509.CertPool
	Log     *slog.Logger
	Now     func() time.Time
}

// Stats counts what became of messages since start.
type Stats struct {
	Sent    int64 // delivered
	Denied  int64 // the policy said no at send time (or the channel was gone)
	Dropped int64 // a queue was full
	Failed  int64 // every attempt failed
}

// Service delivers notifications. Event and Health may be called from any
// goroutine and never block; Run owns every goroutine the service starts
// and returns once they have all stopped.
type Service struct {
	cfg     Config
	intake  chan item
	senders map[nvr.NotifyChannelKind]sender

	sent, denied, dropped, failed atomic.Int64

	mu         sync.Mutex
	queues     map[int64]*queue          // by channel row
	cooldown   map[cooldownKey]time.Time // last message of a rule for a camera
	deliveries map[int64]Delivery        // by channel row: what became of its last messages
	runCtx     context.Context           // set by Run
	wg         *sync.WaitGroup           // workers, set by Run
}

type cooldownKey struct {
	rule int64
	cam  nvr.CameraID
	kind nvr.NotifyKind
}

// item is one thing that happened, waiting for the dispatcher.
type item struct {
	kind  nvr.NotifyKind
	cam   nvr.CameraID
	event nvr.EventID
	label string
	at    time.Time
}

// New returns a Service; call Run to start it.
func New(cfg Config) *Service {
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.Intake <= 0 {
		cfg.Intake = DefaultIntake
	}
	if cfg.Queue <= 0 {
		cfg.Queue = DefaultQueue
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = DefaultRetryBase
	}
	if cfg.RetryCap <= 0 {
		cfg.RetryCap = DefaultRetryCap
	}
	if cfg.ThumbWait <= 0 {
		cfg.ThumbWait = DefaultThumbWait
	}
	if cfg.HTTPTimeout <= 0 {
		cfg.HTTPTimeout = DefaultHTTPTimeout
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{cfg: cfg, intake: make(chan item, cfg.Intake),
		queues: map[int64]*queue{}, cooldown: map[cooldownKey]time.Time{}, deliveries: map[int64]Delivery{}}
	hc := newHTTPClients(cfg.HTTPTimeout, cfg.RootCAs)
	s.senders = map[nvr.NotifyChannelKind]sender{
		nvr.ChannelWebhook: webhook{http: hc},
		nvr.ChannelNtfy:    ntfy{http: hc},
		nvr.ChannelEmail:   email{cfg: cfg.SMTP, roots: cfg.RootCAs},
		nvr.ChannelWebPush: webPush{http: hc, vapid: cfg.VAPID},
	}
	return s
}

// Stats returns the counts so far.
func (s *Service) Stats() Stats {
	return Stats{Sent: s.sent.Load(), Denied: s.denied.Load(), Dropped: s.dropped.Load(), Failed: s.failed.Load()}
}

// Queued returns how many messages wait in the channels' queues.
func (s *Service) Queued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, q := range s.queues {
		n += len(q.jobs)
	}
	return n
}

// Event hands an event that just opened to the service without waiting:
// when the intake is full the event is dropped, counted and logged. It is
// the sink the event lifecycle calls.
func (s *Service) Event(ev nvr.Event) {
	kind := nvr.NotifyMotion
	if ev.Kind == nvr.EventTrigger {
		kind = nvr.NotifyTrigger
	}
	s.offer(item{kind: kind, cam: ev.CameraID, event: ev.ID, label: ev.Label, at: ev.Start})
}

// Health hands a camera health change (offline, online, stalled) or, with
// cam "", an appliance-wide one (storage low) to the service without
// waiting.
func (s *Service) Health(kind nvr.NotifyKind, cam nvr.CameraID, at time.Time) {
	s.offer(item{kind: kind, cam: cam, at: at})
}

func (s *Service) offer(it item) {
	select {
	case s.intake <- it:
	default:
		s.dropped.Add(1)
		s.cfg.Log.Warn("notification intake full; dropped", "kind", string(it.kind), "camera", string(it.cam))
	}
}

// Run dispatches until ctx ends, then waits for every channel worker.
func (s *Service) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	s.mu.Lock()
	s.runCtx, s.wg = ctx, &wg
	s.mu.Unlock()
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return nil
		case it := <-s.intake:
			s.dispatch(ctx, it)
		}
	}
}

// dispatch finds the users whose rules want it and queues one message per
// channel of each. Nothing is decided here about access: each message is
// put to the policy by its worker when it is sent.
func (s *Service) dispatch(ctx context.Context, it item) {
	rules, err := s.cfg.Store.NotifyRulesFor(ctx, it.cam)
	if err != nil {
		s.cfg.Log.Error("read notification rules", "err", err)
		return
	}
	local := it.at.In(s.cfg.Location)
	wantThumb := map[nvr.UserID]bool{}
	var users []nvr.UserID
	now := s.cfg.Now()
	for _, r := range rules {
		if !r.Wants(it.kind, it.label, it.cam, local) {
			continue
		}
		if r.Cooldown > 0 && cooledDown(it.kind) {
			k := cooldownKey{rule: r.Seq, cam: it.cam, kind: it.kind}
			if last, ok := s.cooldown[k]; ok && now.Sub(last) < r.Cooldown {
				s.cfg.Log.Debug("notification held back by its rule's cooldown", "camera", string(it.cam),
					"kind", string(it.kind), "rule", r.Seq, "last_sent", last, "cooldown", r.Cooldown)
				continue
			}
			s.cooldown[k] = now
		}
		if _, seen := wantThumb[r.UserID]; !seen {
			users = append(users, r.UserID)
		}
		wantThumb[r.UserID] = wantThumb[r.UserID] || r.Thumbnail
	}
	s.forgetCooldowns(now)
	for _, u := range users {
		chans, err := s.cfg.Store.NotifyChannels(ctx, u)
		if err != nil {
			s.cfg.Log.Error("read notification channels", "err", err)
			continue
		}
		for _, ch := range chans {
			s.enqueue(job{user: u, channel: ch.ID, seq: ch.Seq, item: it, thumb: wantThumb[u], queued: now})
		}
	}
}

// cooledDown tells the kinds a rule's cooldown holds back: a flood of
// motion (or of one trigger) becomes one message, each kind counted apart so
// that motion never holds back the doorbell. A camera's health changes
// (offline, back online, stalled, storage low) are never held back: each
// is a change of state, already spaced by the health grace periods, and
// dropping one leaves the household believing the state before it (a
// camera "offline" that came back, or one "back online" that went again).
func cooledDown(k nvr.NotifyKind) bool {
	return k == nvr.NotifyMotion || k == nvr.NotifyTrigger
}

// forgetCooldowns keeps the cooldown map bounded: an entry older than the
// longest cooldown can no longer hold anything back.
func (s *Service) forgetCooldowns(now time.Time) {
	if len(s.cooldown) < 1024 {
		return
	}
	for k, t := range s.cooldown {
		if now.Sub(t) > nvr.MaxNotifyCooldown {
			delete(s.cooldown, k)
		}
	}
}
