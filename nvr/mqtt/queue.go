package mqtt

import (
	"sync/atomic"

	"github.com/hearthnvr/hearth/nvr"
)

// notice is an event that opened or closed.
type notice struct {
	ev     nvr.Event
	closed bool
}

// EventQueue carries event notices from the events lifecycle to the
// adapter. Its hooks never block: the lifecycle calls them under its lock,
// so a full queue (a broker away, a slow pass) drops the notice and counts
// it instead of holding up events or recording. Safe for concurrent use.
type EventQueue struct {
	ch      chan notice
	dropped atomic.Int64
}

// NewEventQueue returns a queue holding up to n notices (n < 1: 256).
func NewEventQueue(n int) *EventQueue {
	if n < 1 {
		n = 256
	}
	return &EventQueue{ch: make(chan notice, n)}
}

// Opened is nvr.EventsConfig.OnOpen.
func (q *EventQueue) Opened(ev nvr.Event) { q.put(notice{ev: ev}) }

// Closed is nvr.EventsConfig.OnClose.
func (q *EventQueue) Closed(ev nvr.Event) { q.put(notice{ev: ev, closed: true}) }

// Dropped is how many notices a full queue dropped.
func (q *EventQueue) Dropped() int64 { return q.dropped.Load() }

func (q *EventQueue) put(n notice) {
	select {
	case q.ch <- n:
	default:
		q.dropped.Add(1)
	}
}
