package nvr

import "strconv"

// CredentialKind says how a principal authenticated.
type CredentialKind uint8

// Credential kinds.
const (
	CredentialSession CredentialKind = iota + 1 // browser session cookie
	CredentialToken                             // API bearer token
	// CredentialOperator is the local operator: whoever runs the hearth
	// CLI on the data directory. Reading and writing the database file
	// is already every power; the CLI acts under this name so its changes
	// are recorded like anyone's.
	CredentialOperator
	// CredentialSetup is the first-run setup link, which creates the
	// appliance admin once (Setup).
	CredentialSetup
)

// Principal is who is asking: a user, through one credential. It is produced
// by Auth from a credential checked against the database on this request;
// the policy checks again that the credential is still valid before deciding.
type Principal struct {
	UserID       UserID
	Kind         CredentialKind
	CredentialID int64      // the session or token row
	Scope        TokenScope // ScopeAll for sessions
}

// String names the principal for logs and the audit log, never its secret.
func (p Principal) String() string {
	switch p.Kind {
	case CredentialSession:
		return "session:" + strconv.FormatInt(p.CredentialID, 10)
	case CredentialToken:
		return "token:" + strconv.FormatInt(p.CredentialID, 10)
	case CredentialOperator:
		return "cli"
	case CredentialSetup:
		return "setup"
	case CredentialNotify:
		return notifyPrincipalString(p)
	case CredentialShareLink:
		return "link:" + strconv.FormatInt(p.CredentialID, 10)
	}
	return "anonymous"
}

// Subject is the current state of a principal, read from the database by the
// policy on every decision.
type Subject struct {
	Principal       Principal
	User            User
	CredentialValid bool // session or token exists and has not expired
}

// usable reports whether the subject may act at all.
func (s Subject) usable() bool {
	return s.CredentialValid && !s.User.Disabled && s.User.ID == s.Principal.UserID && s.User.ID != 0
}
