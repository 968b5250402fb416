package nvr

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// AuditAppender writes audit rows; PolicyStore and DirectoryStore have it.
type AuditAppender interface {
	AppendAudit(ctx context.Context, e AuditEntry) error
}

// DefaultAuditQueueSize bounds the audit rows waiting to be written. A
// burst larger than this is a probe, not use: its extra rows are counted
// and dropped rather than held in memory or slowing the answers.
const DefaultAuditQueueSize = 4096

// auditDrainTimeout bounds the final drain at shutdown, so a stuck
// database cannot hold up the stop.
const auditDrainTimeout = 5 * time.Second

// AuditQueue writes audit rows off the request path. The policy queues a
// denial's row here instead of writing it before answering: the write took
// 40-50 µs, so a foreign ID (denied, audited) answered measurably later than
// a missing one (nothing to audit), and the difference told an attacker
// which IDs exist (issue 14, finding 10).
//
// Enqueue never blocks; a full queue drops the row and counts it
// (Dropped). Run owns the one writer goroutine's loop and, when its
// context ends, writes what is still queued before returning; Drain does
// the same for a process that never ran Run (the admin commands). Safe for
// concurrent use.
type AuditQueue struct {
	store   AuditAppender
	log     *slog.Logger
	rows    chan AuditEntry
	pending atomic.Int64 // queued or being written
	dropped atomic.Int64
	failed  atomic.Int64
}

// NewAuditQueue returns a queue of at most size rows (DefaultAuditQueueSize
// when size <= 0) written to store.
func NewAuditQueue(store AuditAppender, size int, log *slog.Logger) *AuditQueue {
	if size <= 0 {
		size = DefaultAuditQueueSize
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &AuditQueue{store: store, log: log, rows: make(chan AuditEntry, size)}
}

// Enqueue queues e without blocking and reports whether it was queued.
func (q *AuditQueue) Enqueue(e AuditEntry) bool {
	q.pending.Add(1)
	select {
	case q.rows <- e:
		return true
	default:
		q.pending.Add(-1)
		// Logged at 1, 2, 4, 8, ... drops: a flood must not become a flood
		// of log lines too.
		if n := q.dropped.Add(1); n&(n-1) == 0 {
			q.log.Warn("audit queue full: rows dropped", "dropped", n)
		}
		return false
	}
}

// Pending returns the rows queued or being written.
func (q *AuditQueue) Pending() int64 { return q.pending.Load() }

// Dropped returns the rows dropped because the queue was full.
func (q *AuditQueue) Dropped() int64 { return q.dropped.Load() }

// Failed returns the rows the store refused to write.
func (q *AuditQueue) Failed() int64 { return q.failed.Load() }

// Run writes queued rows until ctx ends, then drains the queue (bounded by
// a timeout) and returns nil.
func (q *AuditQueue) Run(ctx context.Context) error {
	// A row taken from the queue is written even if ctx ends meanwhile;
	// the store's busy timeout bounds the write.
	wctx := context.WithoutCancel(ctx)
	for {
		select {
		case e := <-q.rows:
			q.write(wctx, e)
		case <-ctx.Done():
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditDrainTimeout)
			defer cancel()
			q.Drain(dctx)
			return nil
		}
	}
}

// Drain writes every row queued now and returns once the queue is empty
// or ctx ends. Rows left when ctx ends are counted as dropped.
func (q *AuditQueue) Drain(ctx context.Context) {
	for {
		select {
		case e := <-q.rows:
			if ctx.Err() != nil {
				q.pending.Add(-1)
				q.dropped.Add(1)
				continue
			}
			q.write(ctx, e)
		default:
			if n := q.dropped.Load(); n > 0 {
				q.log.Warn("audit rows dropped since start", "dropped", n)
			}
			return
		}
	}
}

func (q *AuditQueue) write(ctx context.Context, e AuditEntry) {
	defer q.pending.Add(-1)
	if err := q.store.AppendAudit(ctx, e); err != nil {
		q.failed.Add(1)
		q.log.Error("write audit row", "err", err, "camera", e.CameraID, "action", e.Action, "result", e.Result)
	}
}
