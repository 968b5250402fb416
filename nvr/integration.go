package nvr

import (
	"context"
	"strings"
	"time"
	"unicode"
)

// Integration is a household's MQTT integration: the topic prefix its
// messages go under and the API token (scope ScopeMQTT) whose principal
// every publish and every command is decided for. The token's secret is
// thrown away when it is made: nothing outside the box presents it (Home
// Assistant talks to the broker, not to Hearth), so there is nothing to
// leak; the row is what the policy checks, and revoking it (hearth mqtt
// remove, hearth token revoke, removing the user) ends the integration's
// authority at its next decision.
type Integration struct {
	ID          int64
	HouseholdID HouseholdID
	TokenID     int64
	UserID      UserID // the token's user, read with the integration
	TopicPrefix string
	// DiscoveryPrefix is where Home Assistant discovery configs go
	// (DefaultDiscoveryPrefix unless chosen); unique per integration, so a
	// second household's Home Assistant, set to its own prefix, never
	// reads the first one's camera names.
	DiscoveryPrefix string
	CreatedAt       time.Time
}

// Principal is who the integration speaks for. The policy re-reads the
// token row (and its scope) on every decision, so a revoked token answers
// KindUnauthorized however long the integration has run.
func (i Integration) Principal() Principal {
	return Principal{UserID: i.UserID, Kind: CredentialToken, CredentialID: i.TokenID, Scope: ScopeMQTT}
}

// MaxTopicPrefix bounds a topic prefix's length in bytes.
const MaxTopicPrefix = 128

// ValidateTopicPrefix accepts an MQTT topic prefix: levels separated by
// "/", none empty, no wildcards (+ #), no leading "$" (broker topics), no
// control characters or spaces.
func ValidateTopicPrefix(p string) error {
	const op = "validate topic prefix"
	if p == "" || len(p) > MaxTopicPrefix {
		return Errorf(op, KindInvalid, "topic prefix must be 1-%d bytes", MaxTopicPrefix)
	}
	if strings.HasPrefix(p, "$") {
		return Errorf(op, KindInvalid, "topic prefix must not start with $")
	}
	for _, level := range strings.Split(p, "/") {
		if level == "" {
			return Errorf(op, KindInvalid, "topic prefix has an empty level (leading, trailing or double /)")
		}
	}
	for _, r := range p {
		if r == '+' || r == '#' || unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar {
			return Errorf(op, KindInvalid, "topic prefix must not contain wildcards (+ #), spaces or control characters")
		}
	}
	return nil
}

// DefaultDiscoveryPrefix is Home Assistant's own default.
const DefaultDiscoveryPrefix = "homeassistant"

// DefaultTopicPrefix is a household's topic prefix unless one is given:
// the household's public ID, which counts nothing and never changes.
func DefaultTopicPrefix(h Household) string { return "hearth/" + string(h.PublicID) }

// AddIntegration makes household h's MQTT integration, speaking for the
// user named by userRef (a member of h), under prefix ("" for
// DefaultTopicPrefix), announcing to discovery ("" for
// DefaultDiscoveryPrefix). The token and the integration are written in one
// change with its audit row. KindInvalid for a user of another household or
// a bad prefix; KindConflict when h or the prefix already has one.
func (a AdminDirectory) AddIntegration(ctx context.Context, h Household, userRef, prefix, discovery string) (Integration, error) {
	const op = "add integration"
	if !a.g.Valid() {
		return Integration{}, ErrNotFound
	}
	if prefix == "" {
		prefix = DefaultTopicPrefix(h)
	}
	if discovery == "" {
		discovery = DefaultDiscoveryPrefix
	}
	if err := ValidateTopicPrefix(prefix); err != nil {
		return Integration{}, err
	}
	if err := ValidateTopicPrefix(discovery); err != nil {
		return Integration{}, err
	}
	if prefix == discovery || strings.HasPrefix(prefix, discovery+"/") || strings.HasPrefix(discovery, prefix+"/") {
		return Integration{}, Errorf(op, KindInvalid, "topic prefix and discovery prefix must not contain one another")
	}
	u, err := a.d.store.UserByRef(ctx, userRef)
	if err != nil {
		return Integration{}, Wrap(op, err)
	}
	if u.HouseholdID != h.ID {
		return Integration{}, Errorf(op, KindInvalid, "%s is not a member of household %s", u.Name, h.Name)
	}
	if u.Disabled {
		return Integration{}, Errorf(op, KindConflict, "%s is disabled; enable the account first", u.Name)
	}
	var in Integration
	err = a.d.change(ctx, a.g.subject, "", "admin:add-mqtt-integration", func(w DirectoryWriter) error {
		now := a.d.now()
		// The secret is never kept or shown: see Integration.
		t, err := w.CreateToken(ctx, APIToken{UserID: u.ID, Name: "mqtt " + prefix, Scope: ScopeMQTT,
			TokenHash: HashToken(newSecretToken(apiTokenPrefix)), CreatedAt: now})
		if err != nil {
			return Wrap(op, err)
		}
		in, err = w.CreateIntegration(ctx, Integration{HouseholdID: h.ID, TokenID: t.ID, UserID: u.ID,
			TopicPrefix: prefix, DiscoveryPrefix: discovery, CreatedAt: now})
		return Wrap(op, err)
	})
	return in, err
}

// RemoveIntegration revokes integration in's token, which removes the
// integration with it; its messages stop at the next decision.
func (a AdminDirectory) RemoveIntegration(ctx context.Context, in Integration) error {
	if !a.g.Valid() {
		return ErrNotFound
	}
	return a.d.change(ctx, a.g.subject, "", "admin:remove-mqtt-integration", func(w DirectoryWriter) error {
		return a.d.revokeToken(ctx, w, in.TokenID)
	})
}
