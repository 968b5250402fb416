package nvr

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// OffsiteGrant allows configuring one household's off-site copy. Only the
// policy constructs it: for the household's owner (Policy.Offsite), or for
// the local operator (Policy.OffsiteOperator, the CLI). An appliance admin
// signed in to the web gets none: the copy leaves the appliance to a place
// of the household's choosing, which is the household's decision.
type OffsiteGrant struct {
	household HouseholdID
	subject   Subject
	operator  bool
}

// HouseholdID returns the granted household.
func (g OffsiteGrant) HouseholdID() HouseholdID { return g.household }

// User returns the granted owner (zero for the local operator).
func (g OffsiteGrant) User() User { return g.subject.User }

// Principal returns who was granted.
func (g OffsiteGrant) Principal() Principal { return g.subject.Principal }

// Valid reports whether g came from the policy.
func (g OffsiteGrant) Valid() bool {
	return g.household != 0 && (g.operator || g.subject.usable())
}

// decideOffsite: a household's off-site target is its owner's to set, by
// a credential whose scope allows managing the household. Being an
// appliance admin adds nothing.
func decideOffsite(s Subject, h HouseholdID) bool {
	return s.usable() && h != 0 && allowedByScope(s.Principal.Scope, ActionManageHousehold) &&
		s.User.Role == RoleOwner && s.User.HouseholdID == h
}

// Offsite decides whether p may configure household h's off-site copy;
// denied answers ErrNotFound like a missing household.
func (pol *Policy) Offsite(ctx context.Context, p Principal, h HouseholdID) (OffsiteGrant, error) {
	subj, err := pol.subject(ctx, p)
	if err != nil {
		return OffsiteGrant{}, err
	}
	if !decideOffsite(subj, h) {
		return OffsiteGrant{}, ErrNotFound
	}
	return OffsiteGrant{household: h, subject: subj}, nil
}

// OffsiteOperator grants the local operator (and only the local operator:
// an admin's web grant does not do) the configuration of household h's
// copy.
func (pol *Policy) OffsiteOperator(g AdminGrant, h HouseholdID) (OffsiteGrant, error) {
	if !g.operator || h == 0 {
		return OffsiteGrant{}, ErrNotFound
	}
	return OffsiteGrant{household: h, subject: g.subject, operator: true}, nil
}

// Offsite manages the households' off-site targets. Every change commits
// with its audit row (OffsiteStore.OffsiteChange); a refused one leaves a
// row of its own. Safe for concurrent use.
type Offsite struct {
	store     OffsiteStore
	now       func() time.Time
	localDirs []string // where a household's "dir" target may be (WithLocalDirs)
}

// WithLocalDirs returns o letting households' own settings name a "dir"
// target only inside one of dirs: the folders the appliance's admin set
// aside for copies (hearth.toml offsite_dirs: a mounted USB disk, a NAS
// share). Without any, a household copies over SFTP only. The local
// operator (the CLI, root on the box) may name any folder. A household's
// folder could otherwise be anywhere the service may write: Hearth's own
// data directory, another household's copies, a system folder.
func (o *Offsite) WithLocalDirs(dirs []string) *Offsite {
	c := *o
	c.localDirs = nil
	for _, d := range dirs {
		c.localDirs = append(c.localDirs, filepath.Clean(d))
	}
	return &c
}

// LocalDirs are the folders households' local copies may go into.
func (o *Offsite) LocalDirs() []string { return append([]string(nil), o.localDirs...) }

// checkLocalDir refuses a household's folder that is not an existing
// directory inside one of the local dirs, symbolic links followed. A path
// outside them is refused before the file system is asked, so the answer
// tells nothing of what exists elsewhere on the appliance.
func (o *Offsite) checkLocalDir(path string) error {
	const op = "offsite target"
	where := "copy over SFTP, or ask the appliance's admin to set a folder aside for copies (offsite_dirs in hearth.toml)"
	if len(o.localDirs) == 0 {
		return Errorf(op, KindInvalid, "this appliance has no folder set aside for copies: %s", where)
	}
	outside := Errorf(op, KindInvalid, "copies may go only into %s on this appliance: choose a folder there, or %s",
		strings.Join(o.localDirs, " or "), where)
	if !o.insideLocalDir(filepath.Clean(path), false) {
		return outside
	}
	resolved, err := filepath.EvalSymlinks(filepath.Clean(path))
	if err != nil {
		return Errorf(op, KindInvalid, "the folder %s does not exist on the appliance (or Hearth cannot reach it)", path)
	}
	if !o.insideLocalDir(resolved, true) {
		return outside
	}
	if fi, err := os.Stat(resolved); err != nil || !fi.IsDir() {
		return Errorf(op, KindInvalid, "%s is not a folder", path)
	}
	return nil
}

// insideLocalDir reports whether path is one of the local dirs or below
// one; resolved compares with the dirs' own links followed.
func (o *Offsite) insideLocalDir(path string, resolved bool) bool {
	for _, root := range o.localDirs {
		if resolved {
			if r, err := filepath.EvalSymlinks(root); err == nil {
				root = r
			}
		}
		if path == root || strings.HasPrefix(path, root+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// NewOffsite returns the off-site settings service.
func NewOffsite(store OffsiteStore, now func() time.Time) *Offsite {
	if now == nil {
		now = time.Now
	}
	return &Offsite{store: store, now: now}
}

// Target reads the granted household's target (ErrNotFound: none). The
// SSH key stays a Secret: never rendered.
func (o *Offsite) Target(ctx context.Context, g OffsiteGrant) (OffsiteTarget, error) {
	if !g.Valid() {
		return OffsiteTarget{}, ErrNotFound
	}
	return o.store.OffsiteTarget(ctx, g.HouseholdID())
}

// Set creates or replaces the granted household's target. A target at a
// new address starts with no pinned host key (the first connection pins
// it); one at the same address keeps the key pinned.
func (o *Offsite) Set(ctx context.Context, g OffsiteGrant, t OffsiteTarget) error {
	if !g.Valid() {
		return ErrNotFound
	}
	t.Household, t.UpdatedAt = g.HouseholdID(), o.now()
	e := o.entry(g.Principal(), "offsite-set", fmt.Sprintf("household %d: %s target %s", t.Household, t.Kind, redactedWhere(t)))
	err := ValidateOffsiteTarget(t)
	if err == nil && t.Kind == OffsiteDir && !g.operator {
		err = o.checkLocalDir(t.Path)
	}
	if err != nil {
		e.Result = "failed"
		_ = o.store.AppendAudit(ctx, e)
		return err
	}
	if old, err := o.store.OffsiteTarget(ctx, t.Household); err == nil && old.Kind == t.Kind && old.SFTPAddr == t.SFTPAddr && t.SFTPHostKey == "" {
		t.SFTPHostKey = old.SFTPHostKey
	}
	return o.change(ctx, e, func(w OffsiteWriter) error { return w.PutOffsiteTarget(ctx, t) })
}

// Remove removes the granted household's target; copies stop at once.
func (o *Offsite) Remove(ctx context.Context, g OffsiteGrant) error {
	if !g.Valid() {
		return ErrNotFound
	}
	e := o.entry(g.Principal(), "offsite-remove", fmt.Sprintf("household %d", g.HouseholdID()))
	return o.change(ctx, e, func(w OffsiteWriter) error { return w.DeleteOffsiteTarget(ctx, g.HouseholdID()) })
}

// PinHostKey pins an SFTP target's host key on first use. It is the
// copier's, acting for the appliance (principal "offsite"), not a
// person's: KindConflict when another key is pinned already.
func (o *Offsite) PinHostKey(ctx context.Context, h HouseholdID, key string) error {
	e := o.entry(Principal{}, "offsite-pin-host-key", fmt.Sprintf("household %d", h))
	e.Principal = "offsite"
	return o.change(ctx, e, func(w OffsiteWriter) error { return w.PinOffsiteHostKey(ctx, h, key) })
}

func (o *Offsite) entry(p Principal, action, detail string) AuditEntry {
	return AuditEntry{At: o.now(), UserID: p.UserID, Principal: p.String(), Action: action, Result: "ok", Detail: detail}
}

func (o *Offsite) change(ctx context.Context, e AuditEntry, fn func(w OffsiteWriter) error) error {
	err := o.store.OffsiteChange(ctx, e, fn)
	if err == nil {
		return nil
	}
	e.Result = "failed"
	_ = o.store.AppendAudit(ctx, e)
	return err
}

// redactedWhere names the target's place for the audit log: no key.
func redactedWhere(t OffsiteTarget) string {
	if t.Kind == OffsiteSFTP {
		return t.SFTPUser + "@" + t.SFTPAddr + ":" + t.Path
	}
	return t.Path
}
