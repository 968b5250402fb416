package ui

import (
	"net/http"
	"net/http/pprof"

	"github.com/hearthnvr/hearth/nvr"
)

// handlePprof serves Go's runtime profiles to the appliance admin only
// (CPU, heap, allocations, goroutines, mutex, block, trace), for the
// performance work of docs/performance.md:
//
//	go tool pprof -http=: 'https://nvr/api/admin/debug/pprof/profile?seconds=20' (with a bearer token)
//
// The command line is not served: it is nobody's business, and it is the
// one place a careless start script could have put a secret.
func (s *Server) handlePprof(w http.ResponseWriter, r *http.Request, _ nvr.AdminGrant) {
	w.Header().Set("Cache-Control", "no-store")
	switch name := r.PathValue("name"); name {
	case "":
		pprof.Index(w, r)
	case "profile":
		pprof.Profile(w, r)
	case "trace":
		pprof.Trace(w, r)
	case "symbol":
		pprof.Symbol(w, r)
	case "heap", "allocs", "goroutine", "mutex", "block", "threadcreate":
		pprof.Handler(name).ServeHTTP(w, r)
	default:
		s.writeError(w, r, nvr.ErrNotFound)
	}
}
