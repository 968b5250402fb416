package ui

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/offsite"
)

// A household's owner configures its off-site copy and reads how far it
// got; the policy (Policy.Offsite) lets in the owner only, and nvr.Offsite
// records every change.

// OffsiteStatusSource reports a household's copy as measured
// (offsite.Copier).
type OffsiteStatusSource interface {
	// Status is the owner's view, problem text included.
	Status(ctx context.Context, g nvr.OffsiteGrant) (offsite.Status, error)
	// Figures is the admin's: the counts, times and whether something is
	// wrong, never where the copy goes.
	Figures(ctx context.Context, g nvr.AdminGrant, h nvr.HouseholdID) (offsite.Status, error)
}

type offsiteStatusJSON struct {
	Backlog      int        `json:"backlog_fragments"`
	LastCopied   *time.Time `json:"last_copied,omitempty"`
	LastCopiedAt *time.Time `json:"last_copied_at,omitempty"`
	Error        string     `json:"error,omitempty"`
	Dropped      int        `json:"dropped_segments"`
}

type offsiteJSON struct {
	Configured bool   `json:"configured"`
	Kind       string `json:"kind,omitempty"`
	Path       string `json:"path,omitempty"`
	SFTPAddr   string `json:"sftp_addr,omitempty"`
	SFTPUser   string `json:"sftp_user,omitempty"`
	// HostKey is the pinned SFTP host key ("" until the first connection).
	HostKey    string             `json:"host_key,omitempty"`
	Recipient  string             `json:"recipient,omitempty"`
	Continuous bool               `json:"continuous"`
	Status     *offsiteStatusJSON `json:"status,omitempty"`
	// RecoveryKey is the household's new private key, in the answer that
	// made it and never again: the appliance keeps no copy.
	RecoveryKey string `json:"recovery_key,omitempty"`
	// AuthorizedKey is the line for the SFTP server's authorized_keys.
	AuthorizedKey string `json:"authorized_key,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *Server) offsiteView(ctx context.Context, g nvr.OffsiteGrant) (offsiteJSON, error) {
	t, err := s.offsite.Target(ctx, g)
	if errors.Is(err, nvr.ErrNotFound) {
		return offsiteJSON{}, nil
	}
	if err != nil {
		return offsiteJSON{}, err
	}
	out := offsiteJSON{Configured: true, Kind: string(t.Kind), Path: t.Path, SFTPAddr: t.SFTPAddr, SFTPUser: t.SFTPUser,
		HostKey: t.SFTPHostKey, Recipient: t.Recipient, Continuous: t.Continuous}
	if s.offsiteStatus != nil {
		st, err := s.offsiteStatus.Status(ctx, g)
		if err != nil {
			return offsiteJSON{}, err
		}
		out.Status = &offsiteStatusJSON{Backlog: st.Backlog, LastCopied: timePtr(st.LastCopied),
			LastCopiedAt: timePtr(st.LastCopiedAt), Error: st.Error, Dropped: st.Dropped}
	}
	return out, nil
}

func (s *Server) handleOffsite(w http.ResponseWriter, r *http.Request, g nvr.OffsiteGrant) {
	if s.offsite == nil {
		s.writeError(w, r, nvr.ErrNotFound)
		return
	}
	v, err := s.offsiteView(r.Context(), g)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

type setOffsiteRequest struct {
	Kind       string `json:"kind"` // "dir" or "sftp"
	Path       string `json:"path"`
	SFTPAddr   string `json:"sftp_addr"`
	SFTPUser   string `json:"sftp_user"`
	Recipient  string `json:"recipient"` // the household's age public key, or
	NewKey     bool   `json:"new_key"`   // true: make one and answer its private key once
	Continuous bool   `json:"continuous"`
}

func (s *Server) handleSetOffsite(w http.ResponseWriter, r *http.Request, g nvr.OffsiteGrant) {
	if s.offsite == nil {
		s.writeError(w, r, nvr.ErrNotFound)
		return
	}
	var req setOffsiteRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.NewKey == (strings.TrimSpace(req.Recipient) != "") {
		s.writeError(w, r, errInvalid("paste a household public key (age1…) or choose to make a new household key, one of the two (API: recipient or new_key)"))
		return
	}
	t := nvr.OffsiteTarget{Kind: nvr.OffsiteKind(req.Kind), Path: req.Path, SFTPAddr: req.SFTPAddr, SFTPUser: req.SFTPUser,
		Recipient: strings.TrimSpace(req.Recipient), Continuous: req.Continuous}
	var recovery, authorized string
	if req.NewKey {
		k, err := offsite.GenerateKey()
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		t.Recipient, recovery = k.Recipient, k.RecoveryFile()
	}
	if t.Kind == nvr.OffsiteSFTP {
		// Keep the client key when only other fields change, so the line
		// already in the server's authorized_keys stays valid.
		if old, err := s.offsite.Target(r.Context(), g); err == nil && old.Kind == nvr.OffsiteSFTP && old.SFTPKey.IsSet() {
			t.SFTPKey = old.SFTPKey
		} else {
			k, err := offsite.GenerateSSHKey()
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			t.SFTPKey, authorized = k.Private, k.Authorized
		}
	}
	if err := s.offsite.Set(r.Context(), g, t); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.offsiteView(r.Context(), g)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v.RecoveryKey, v.AuthorizedKey = recovery, authorized
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) handleRemoveOffsite(w http.ResponseWriter, r *http.Request, g nvr.OffsiteGrant) {
	if s.offsite == nil {
		s.writeError(w, r, nvr.ErrNotFound)
		return
	}
	if err := s.offsite.Remove(r.Context(), g); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
