package nvr

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
)

// HouseholdID identifies a household inside the server: the store's row
// number, assigned by the store and never reused. It is internal (grants,
// foreign keys, the audit log) and never in an answer, a URL or a form,
// since it counts every household created before; clients see
// HouseholdPublicID.
type HouseholdID int64

// HouseholdPublicID names a household to clients: randomID's form,
// assigned once at creation, never changed.
type HouseholdPublicID string

// NewHouseholdPublicID returns a fresh random household public ID.
func NewHouseholdPublicID() HouseholdPublicID { return HouseholdPublicID(randomID()) }

// ParseHouseholdPublicID validates s as a household's public ID; anything
// else names nothing.
func ParseHouseholdPublicID(s string) (HouseholdPublicID, error) {
	if !isRandomID(s) {
		return "", ErrNotFound
	}
	return HouseholdPublicID(s), nil
}

// UserID identifies a user account. Assigned by the store, never reused.
type UserID int64

// CameraID is a camera's immutable identity: 128 random bits as 32 lowercase
// hex characters, assigned once at creation. Media, segments, events and
// sessions carry it; nothing is ever looked up by a camera's name, URL or
// position. Random rather than sequential so IDs cannot be enumerated.
type CameraID string

// NewCameraID returns a fresh random camera ID.
func NewCameraID() CameraID { return CameraID(randomID()) }

// ParseCameraID validates s as a camera ID. Anything but 32 lowercase hex
// characters is rejected, so odd encodings can never alias a real ID.
func ParseCameraID(s string) (CameraID, error) {
	if !isRandomID(s) {
		return "", ErrNotFound
	}
	return CameraID(s), nil
}

// randomID returns 128 random bits as 32 lowercase hex characters: the
// public name of every object a client can name by ID. Random, not a
// counter: a counter shared by the households lets one read another's
// activity from the gaps between its own IDs (issue 14, finding 3).
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux (Go ≥ 1.24 panics instead)
	return hex.EncodeToString(b[:])
}

// NewPublicID returns a fresh public ID for a session or an API token:
// randomID's form. Their row numbers stay inside the store.
func NewPublicID() string { return randomID() }

// ParsePublicID validates s as a session's or token's public ID; anything
// else names nothing.
func ParsePublicID(s string) (string, error) {
	if !isRandomID(s) {
		return "", ErrNotFound
	}
	return s, nil
}

// isRandomID reports whether s has randomID's form exactly.
func isRandomID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// ParseInt64ID parses a positive decimal ID from a path or flag; anything
// else is reported as not found (a malformed ID names nothing).
func ParseInt64ID(s string) (int64, error) {
	if s == "" || len(s) > 19 || s[0] == '0' || s[0] == '+' || s[0] == '-' {
		return 0, ErrNotFound
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, ErrNotFound
	}
	return n, nil
}

// Role is a user's role inside their household.
type Role string

// Roles, from most to least capable.
const (
	RoleOwner  Role = "owner"  // manages the household's cameras and people; sees all its cameras
	RoleMember Role = "member" // sees all the household's cameras
	RoleViewer Role = "viewer" // sees only the cameras an owner assigned
)

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	switch Role(s) {
	case RoleOwner, RoleMember, RoleViewer:
		return Role(s), nil
	}
	return "", Errorf("parse role", KindInvalid, "role must be owner, member or viewer")
}

// TokenScope limits what an API token may do, on top of what its user may do.
type TokenScope string

// Token scopes.
const (
	ScopeView    TokenScope = "view"    // see cameras, live video, recordings and events
	ScopeTrigger TokenScope = "trigger" // create events (doorbells, home automation)
	ScopeAll     TokenScope = "all"     // everything the user may do
	// ScopeMQTT is an MQTT integration's token (see Integration): see
	// cameras and event thumbnails, trigger events, switch recording.
	// Only AddIntegration issues it; ParseTokenScope refuses it.
	ScopeMQTT TokenScope = "mqtt"
)

// ParseTokenScope validates a token scope.
func ParseTokenScope(s string) (TokenScope, error) {
	switch TokenScope(s) {
	case ScopeView, ScopeTrigger, ScopeAll:
		return TokenScope(s), nil
	}
	return "", Errorf("parse token scope", KindInvalid, "scope must be view, trigger or all")
}

func formatID(n int64) string { return strconv.FormatInt(n, 10) }
