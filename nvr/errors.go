package nvr

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error so the HTTP and CLI layers can map it to a status
// or exit code in one place.
type Kind uint8

// Error kinds. Forbidden is deliberately absent: the policy answers a denied
// request exactly like a missing one (NotFound).
const (
	KindInternal     Kind = iota // a bug or an unexpected failure
	KindInvalid                  // the request is malformed or a value is out of range
	KindNotFound                 // no such thing, or the principal may not know it exists
	KindConflict                 // the request clashes with current state (duplicate name, non-empty household)
	KindUnauthorized             // no valid credential
	KindUnavailable              // temporarily unable (rate limited, overloaded)
	KindTooLarge                 // the request is too big
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindNotFound:
		return "not found"
	case KindConflict:
		return "conflict"
	case KindUnauthorized:
		return "unauthorized"
	case KindUnavailable:
		return "unavailable"
	case KindTooLarge:
		return "too large"
	default:
		return "internal"
	}
}

// Error is Hearth's error: an operation, a kind, a message safe to show to
// the caller, and an optional wrapped cause that is never shown to clients.
type Error struct {
	Op   string // the operation, e.g. "add camera"
	Kind Kind
	Msg  string // safe for clients; never contains secrets
	Err  error  // the cause, for logs
	// RetryAfter, when set, tells a rate-limited caller when to try again.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	switch {
	case e.Msg != "" && e.Err != nil:
		return fmt.Sprintf("%s: %s: %v", e.Op, e.Msg, e.Err)
	case e.Msg != "":
		return fmt.Sprintf("%s: %s", e.Op, e.Msg)
	case e.Err != nil:
		return fmt.Sprintf("%s: %v", e.Op, e.Err)
	default:
		return e.Op + ": " + e.Kind.String()
	}
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a client-safe formatted message.
func Errorf(op string, kind Kind, format string, args ...any) error {
	return &Error{Op: op, Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Wrap wraps err with an operation; it keeps err's kind and message when err
// is already an *Error, and marks it internal otherwise. Wrap(op, nil) is nil.
func Wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return &Error{Op: op, Kind: e.Kind, Msg: e.Msg, Err: err, RetryAfter: e.RetryAfter}
	}
	return &Error{Op: op, Kind: KindInternal, Err: err}
}

// ErrorKind reports the kind of err: the kind of the outermost *Error in its
// chain, or KindInternal.
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// ErrorMessage returns the client-safe message of err, or a generic text for
// its kind when it carries none (internal causes are never shown).
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Msg != "" {
		return e.Msg
	}
	return ErrorKind(err).String()
}

// ErrNotFound is the one answer for "does not exist" and "you may not see
// it", so the two can never be told apart.
var ErrNotFound = &Error{Op: "lookup", Kind: KindNotFound, Msg: "not found"}

// RetryAfter returns how long a rate-limited caller should wait, or 0.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
