package ui

import (
	"context"

	"github.com/hearthnvr/hearth/nvr"
)

// householdIDs turns households' row numbers into the public IDs an
// answer carries. The row number counts every household created before
// (issue 14, finding 3), so no answer, URL or form holds it. One value
// serves one request: each household is read once, after the policy's
// check, and nothing outlives the request.
type householdIDs struct {
	ctx   context.Context
	store nvr.DirectoryStore
	known map[nvr.HouseholdID]nvr.HouseholdPublicID
}

// householdIDs returns a resolver for one request.
func (s *Server) householdIDs(ctx context.Context) *householdIDs {
	return &householdIDs{ctx: ctx, store: s.dir.Store(), known: map[nvr.HouseholdID]nvr.HouseholdPublicID{}}
}

// of returns the public ID of household id; "" for no household (0).
func (h *householdIDs) of(id nvr.HouseholdID) (nvr.HouseholdPublicID, error) {
	if id == 0 {
		return "", nil
	}
	if p, ok := h.known[id]; ok {
		return p, nil
	}
	hh, err := h.store.Household(h.ctx, id)
	if err != nil {
		return "", err
	}
	h.known[id] = hh.PublicID
	return hh.PublicID, nil
}

// householdByPublicID finds the household a client named; a malformed or unknown
// ID is not found.
func (s *Server) householdByPublicID(ctx context.Context, id string) (nvr.Household, error) {
	p, err := nvr.ParseHouseholdPublicID(id)
	if err != nil {
		return nvr.Household{}, nvr.ErrNotFound
	}
	return s.dir.Store().HouseholdByPublicID(ctx, p)
}
