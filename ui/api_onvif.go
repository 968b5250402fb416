package ui

import (
	"net/http"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/onvifprobe"
)

type onvifProbeRequest struct {
	Address  string `json:"address"`
	Username string `json:"username"`
	Password string `json:"password"`
}

// handleONVIFProbe is "Find via ONVIF": the add-camera form asks the
// address the user typed for its vendor, model and streams, and whether
// the credentials work. The policy decides who may (household owners and
// the appliance admin) and whether the probe may reach local addresses
// (the admin's only). It shares the connection tests' slots, so probes
// cannot pile up.
func (s *Server) handleONVIFProbe(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	pg, err := s.policy.ProbeAddress(r.Context(), g.Principal())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req onvifProbeRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Address == "" {
		s.writeError(w, r, errInvalid("address is required"))
		return
	}
	select {
	case s.probes <- struct{}{}:
		defer func() { <-s.probes }()
	default:
		s.writeError(w, r, nvr.Errorf("probe camera", nvr.KindUnavailable, "too many camera probes at once; try again"))
		return
	}
	res, err := onvifprobe.Prober{LookupHost: s.lookup}.Probe(r.Context(), pg,
		onvifprobe.Request{Address: req.Address, Username: req.Username, Password: req.Password})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

type onvifDiscoverRequest struct {
	// Target, when set, is one device's HOST:PORT for a unicast probe.
	Target string `json:"target"`
	// Multicast asks for a scan of the LAN (239.255.255.250:3702). One of
	// the two is required: a scan goes out only when asked for by name.
	Multicast bool `json:"multicast"`
	// WaitMS is how long answers are collected (default 3000, at most 10000).
	WaitMS int `json:"wait_ms"`
}

// handleONVIFDiscover is a WS-Discovery scan: it sees every household's
// cameras on the LAN, so the policy gives it to the appliance admin alone.
func (s *Server) handleONVIFDiscover(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	dg, err := s.policy.Discover(r.Context(), g.Principal())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req onvifDiscoverRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if (req.Target == "") == !req.Multicast {
		s.writeError(w, r, errInvalid("give either target (HOST:PORT) or multicast: true"))
		return
	}
	if req.WaitMS < 0 || req.WaitMS > 10000 {
		s.writeError(w, r, errInvalid("wait_ms must be 0 to 10000"))
		return
	}
	select {
	case s.probes <- struct{}{}:
		defer func() { <-s.probes }()
	default:
		s.writeError(w, r, nvr.Errorf("discover cameras", nvr.KindUnavailable, "too many camera probes at once; try again"))
		return
	}
	found, err := onvifprobe.Discover(r.Context(), dg, req.Target, time.Duration(req.WaitMS)*time.Millisecond)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"devices": found})
}
