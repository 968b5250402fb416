package nvr

import (
	"context"
	"net"
	"strings"
	"time"
)

// OffsiteKind is where a household's off-site copy goes.
type OffsiteKind string

// Off-site target kinds.
const (
	// OffsiteDir is a directory on the appliance's file system: a NAS
	// mount or a USB disk.
	OffsiteDir OffsiteKind = "dir"
	// OffsiteSFTP is a directory on an SFTP server (a friend's box).
	OffsiteSFTP OffsiteKind = "sftp"
)

// OffsiteTarget is one household's off-site copy: every file is encrypted
// with age to Recipient (the household's public key; the private key was
// shown once to the owner and is never kept here), so neither the storage
// host nor the appliance admin can watch what is copied.
type OffsiteTarget struct {
	Household HouseholdID
	Kind      OffsiteKind
	// Path is the target directory: local for OffsiteDir, on the server
	// for OffsiteSFTP.
	Path string
	// SFTPAddr is host:port; SFTPUser the login. SFTPHostKey is the
	// server's host key in authorized_keys form, pinned on first use:
	// empty until the first connection stores it, a mismatch refuses.
	SFTPAddr, SFTPUser, SFTPHostKey string
	// SFTPKey is the appliance's own SSH private key for this target (its
	// public half goes into the server's authorized_keys). Never shown.
	SFTPKey Secret
	// Recipient is the household's age X25519 public key ("age1…").
	Recipient string
	// Continuous copies continuous footage too; event footage (pre-roll
	// to post-roll) is always copied.
	Continuous bool
	UpdatedAt  time.Time
}

// ValidateOffsiteTarget checks t's fields; the answer is KindInvalid with a
// message fit for the person who typed them.
func ValidateOffsiteTarget(t OffsiteTarget) error {
	const op = "offsite target"
	if t.Household == 0 {
		return Errorf(op, KindInvalid, "a household is required")
	}
	if !strings.HasPrefix(t.Recipient, "age1") || len(t.Recipient) < 20 || strings.ContainsAny(t.Recipient, " \t\r\n") {
		return Errorf(op, KindInvalid, "the household key must be an age public key (age1…)")
	}
	if t.Path == "" || strings.ContainsRune(t.Path, 0) || len(t.Path) > 1024 {
		return Errorf(op, KindInvalid, "a target directory is required")
	}
	switch t.Kind {
	case OffsiteDir:
		if !strings.HasPrefix(t.Path, "/") {
			return Errorf(op, KindInvalid, "the target directory must be an absolute path")
		}
	case OffsiteSFTP:
		if t.SFTPAddr == "" || t.SFTPUser == "" {
			return Errorf(op, KindInvalid, "an SFTP target needs host:port and a user")
		}
		if strings.ContainsAny(t.SFTPAddr+t.SFTPUser, " \t\r\n/") {
			return Errorf(op, KindInvalid, "the SFTP address or user holds invalid characters")
		}
		if _, port, err := net.SplitHostPort(t.SFTPAddr); err != nil || port == "" {
			// Accepted without one, it failed only at the first copy.
			return Errorf(op, KindInvalid, "the SFTP address needs a port: host:22 for SSH's usual one")
		}
	default:
		return Errorf(op, KindInvalid, "the target kind must be %q or %q", OffsiteDir, OffsiteSFTP)
	}
	return nil
}

// OffsiteStore holds the households' off-site targets. Every read sees
// committed state and never caches. Writes happen only inside
// OffsiteChange, with their audit row. Safe for concurrent use.
type OffsiteStore interface {
	// OffsiteTarget reads household h's target; ErrNotFound when it has none.
	OffsiteTarget(ctx context.Context, h HouseholdID) (OffsiteTarget, error)
	// OffsiteChange runs fn's writes and appends audit in one transaction.
	OffsiteChange(ctx context.Context, audit AuditEntry, fn func(w OffsiteWriter) error) error
	// AppendAudit writes one row on its own (a refused change).
	AppendAudit(ctx context.Context, e AuditEntry) error
}

// OffsiteWriter is the targets' writes, handed out by OffsiteChange.
type OffsiteWriter interface {
	// PutOffsiteTarget creates or replaces t's household's target;
	// KindNotFound for a missing household.
	PutOffsiteTarget(ctx context.Context, t OffsiteTarget) error
	// PinOffsiteHostKey stores the SFTP host key seen on first use; it
	// changes nothing (KindConflict) when another key is already pinned.
	PinOffsiteHostKey(ctx context.Context, h HouseholdID, key string) error
	// DeleteOffsiteTarget removes h's target; none is no error (a
	// repeated removal changes nothing).
	DeleteOffsiteTarget(ctx context.Context, h HouseholdID) error
}

// DurableFragments tells an off-site copier that fragments of a segment are
// durable on local disk and indexed. Fragments lists every fragment of the
// segment indexed so far, in order, so a notice that replaces an earlier
// one loses nothing.
type DurableFragments struct {
	Household HouseholdID
	Segment   Segment
	// File is the segment's absolute path on local disk.
	File      string
	Fragments []Fragment
	// Closed: the segment is finished; no more fragments follow.
	Closed bool
	// PreRoll and PostRoll are the camera's: a continuous camera's
	// footage within them of an event is event footage.
	PreRoll, PostRoll time.Duration
}

// FragmentSink receives DurableFragments from the recorder. Durable must
// never block and never fail: the recorder never waits on a copy. Safe for
// concurrent use (one call per camera goroutine).
type FragmentSink interface {
	Durable(DurableFragments)
}
