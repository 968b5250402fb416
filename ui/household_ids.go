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
	dir   directory
	known map[nvr.HouseholdID]nvr.HouseholdPublicID
}

// householdIDs returns a resolver for one request.
func (s *Server) householdIDs(ctx context.Context) *householdIDs {
	return &householdIDs{ctx: ctx, dir: s.dir, known: map[nvr.HouseholdID]nvr.HouseholdPublicID{}}
}

// of returns the public ID of household id; "" for no household (0).
func (h *householdIDs) of(id nvr.HouseholdID) (nvr.HouseholdPublicID, error) {
	if id == 0 {
		return "", nil
	}
	if p, ok := h.known[id]; ok {
		return p, nil
	}
	p, err := h.dir.HouseholdPublicID(h.ctx, id)
	if err != nil {
		return "", err
	}
	h.known[id] = p
	return p, nil
}
