package nvr

import "context"

// ProbeGrant allows asking a camera address what it is (ONVIF: vendor,
// model, streams, whether credentials work) on the way to adding it. Only
// the policy makes one.
type ProbeGrant struct {
	subject  Subject
	localOK  bool
	operator bool
}

// User returns the granted user.
func (g ProbeGrant) User() User { return g.subject.User }

// Valid reports whether g came from the policy.
func (g ProbeGrant) Valid() bool { return g.operator || g.subject.usable() }

// LocalOK reports whether the probe may reach this appliance's own or
// link-local addresses: only the appliance admin's (as for the cameras
// they add), so no one else can use a probe to reach Hearth's own
// services or a metadata endpoint.
func (g ProbeGrant) LocalOK() bool { return g.Valid() && g.localOK }

// DiscoverGrant allows a WS-Discovery scan of the LAN. A scan sees every
// household's cameras, so only the appliance admin gets one.
type DiscoverGrant struct {
	subject Subject
	local   bool // the local operator's (the CLI on the data directory)
}

// Valid reports whether g came from the policy.
func (g DiscoverGrant) Valid() bool { return g.local || g.subject.usable() && g.subject.User.Admin }

// decideProbe: the people who may add a camera may probe the address they
// are adding: a household's owners, and the appliance admin (who adds
// cameras to any household). Members and viewers add no cameras; a token
// scoped to view, trigger or MQTT is not for managing cameras. The second
// answer tells whether the probe may reach local addresses (the admin's).
func decideProbe(s Subject) (allowed, localOK bool) {
	if !s.usable() || !allowedByScope(s.Principal.Scope, ActionManageHousehold) {
		return false, false
	}
	if s.User.Admin {
		return true, true
	}
	return s.User.Role == RoleOwner && s.User.HouseholdID != 0, false
}

// decideDiscover: a WS-Discovery scan answers with every camera on the
// network, whatever household it belongs to, so it is the appliance
// admin's alone.
func decideDiscover(s Subject) bool { return decideAdmin(s) }

// ProbeAddress decides whether p may probe a camera address.
func (pol *Policy) ProbeAddress(ctx context.Context, p Principal) (ProbeGrant, error) {
	subj, err := pol.subject(ctx, p)
	if err != nil {
		return ProbeGrant{}, err
	}
	ok, local := decideProbe(subj)
	if !ok {
		return ProbeGrant{}, ErrNotFound
	}
	return ProbeGrant{subject: subj, localOK: local}, nil
}

// Discover decides whether p may scan the network for cameras.
func (pol *Policy) Discover(ctx context.Context, p Principal) (DiscoverGrant, error) {
	subj, err := pol.subject(ctx, p)
	if err != nil {
		return DiscoverGrant{}, err
	}
	if !decideDiscover(subj) {
		return DiscoverGrant{}, ErrNotFound
	}
	return DiscoverGrant{subject: subj}, nil
}

// OperatorProbe is the local operator's probe grant: whoever runs the CLI
// on the data directory adds cameras as the appliance admin does.
func (g AdminGrant) OperatorProbe() ProbeGrant {
	if !g.Valid() {
		return ProbeGrant{}
	}
	return ProbeGrant{subject: g.subject, localOK: true, operator: g.operator}
}

// OperatorDiscover is the admin's (or local operator's) discovery grant.
func (g AdminGrant) OperatorDiscover() DiscoverGrant {
	if !g.Valid() {
		return DiscoverGrant{}
	}
	return DiscoverGrant{subject: g.subject, local: g.operator}
}
