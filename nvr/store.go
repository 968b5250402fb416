package nvr

import (
	"context"
	"time"
)

// CameraFacts is what the policy needs to know about one camera for one user.
type CameraFacts struct {
	Camera   Camera
	Exists   bool
	Assigned bool // the user is a viewer the camera was assigned to
	// ShutterClosed is Camera.Shutter.ClosedAt(the decision's time): the
	// policy sets it at each decision (stores leave it false).
	ShutterClosed bool
}

// PolicyStore is the part of the database the access policy reads. Each
// method reads current committed state; none may cache. Implementations are
// safe for concurrent use.
type PolicyStore interface {
	// Subject reads the principal's user and whether its credential (session
	// or token) still exists and is unexpired at now. A missing user or
	// credential is not an error: it yields a Subject that is not usable.
	Subject(ctx context.Context, p Principal, now time.Time) (Subject, error)
	// CameraAccess reads the subject and the camera facts in one snapshot.
	// A missing camera is not an error: Exists is false.
	CameraAccess(ctx context.Context, p Principal, id CameraID, now time.Time) (Subject, CameraFacts, error)
	// HouseholdCameras lists household h's cameras ordered by name; when
	// assignedTo is non-zero, only the cameras assigned to that user.
	HouseholdCameras(ctx context.Context, h HouseholdID, assignedTo UserID) ([]Camera, error)
	// AppendAudit writes one audit row.
	AppendAudit(ctx context.Context, e AuditEntry) error
}

// AuthStore is the part of the database that authentication needs.
type AuthStore interface {
	// UserCredentials returns the user named name and its password hash;
	// KindNotFound when there is none.
	UserCredentials(ctx context.Context, name string) (User, string, error)
	// CreateSession stores a new session and returns its ID.
	CreateSession(ctx context.Context, s Session) (int64, error)
	// SessionByTokenHash returns the session with that token hash, whatever
	// its expiry; KindNotFound when there is none.
	SessionByTokenHash(ctx context.Context, hash []byte) (Session, error)
	// SessionUser returns the session with that token hash together with
	// its user, in one read; KindNotFound when there is no such session.
	SessionUser(ctx context.Context, hash []byte) (Session, User, error)
	// TouchSession sets the session's last-seen time.
	TouchSession(ctx context.Context, id int64, at time.Time) error
	// DeleteSession removes one session; deleting a missing one is not an error.
	DeleteSession(ctx context.Context, id int64) error
	// TokenByHash returns the API token with that hash; KindNotFound when none.
	TokenByHash(ctx context.Context, hash []byte) (APIToken, error)
	// TokenUser returns the API token with that hash together with its
	// user, in one read; KindNotFound when there is no such token.
	TokenUser(ctx context.Context, hash []byte) (APIToken, User, error)
	// TouchToken sets the token's last-used time.
	TouchToken(ctx context.Context, id int64, at time.Time) error
	// User returns one user; KindNotFound when missing.
	User(ctx context.Context, id UserID) (User, error)
}

// DirectoryStore is the part of the database that holds households, users,
// cameras, viewer assignments and tokens. Methods return *Error values with
// KindNotFound for missing rows and KindConflict for duplicates. It reads
// on its own; it writes only inside Change, so every change the directory
// makes commits together with its audit row.
type DirectoryStore interface {
	Households(ctx context.Context) ([]Household, error)
	// HouseholdByRef finds a household by public ID or exact name;
	// KindNotFound when none.
	HouseholdByRef(ctx context.Context, ref string) (Household, error)
	// HouseholdByPublicID finds a household by public ID; KindNotFound when
	// none.
	HouseholdByPublicID(ctx context.Context, id HouseholdPublicID) (Household, error)
	// Household returns a household by row number; KindNotFound when none.
	Household(ctx context.Context, id HouseholdID) (Household, error)

	Users(ctx context.Context, h HouseholdID) ([]User, error) // h == 0: all users
	// UserByRef finds a user by decimal ID or exact name.
	UserByRef(ctx context.Context, ref string) (User, error)
	// UserByPublicID finds a user by public ID; KindNotFound when none.
	UserByPublicID(ctx context.Context, id string) (User, error)
	// AdminCount counts enabled appliance admins.
	AdminCount(ctx context.Context) (int, error)

	Cameras(ctx context.Context, h HouseholdID) ([]Camera, error) // h == 0: all cameras
	Camera(ctx context.Context, id CameraID) (Camera, error)
	AssignedCameras(ctx context.Context, u UserID) ([]CameraID, error)

	Sessions(ctx context.Context, u UserID) ([]Session, error)
	Tokens(ctx context.Context, u UserID) ([]APIToken, error) // u == 0: all tokens

	// Change runs fn's writes and appends audit in one write transaction:
	// both commit, or neither does. When fn fails nothing is written and
	// its error is returned.
	Change(ctx context.Context, audit AuditEntry, fn func(w DirectoryWriter) error) error
	// AppendAudit writes one row on its own: the record of a change that
	// failed, which wrote nothing.
	AppendAudit(ctx context.Context, e AuditEntry) error
	Audit(ctx context.Context, limit int) ([]AuditEntry, error)
}

// DirectoryWriter is the directory's writes, handed out only by
// DirectoryStore.Change. Errors as DirectoryStore's.
type DirectoryWriter interface {
	CreateHousehold(ctx context.Context, name string, at time.Time) (Household, error)
	// DeleteHousehold removes an empty household; KindConflict if it still
	// has users or cameras.
	DeleteHousehold(ctx context.Context, id HouseholdID) error

	CreateUser(ctx context.Context, u User, passwordHash string) (User, error)
	SetPasswordHash(ctx context.Context, id UserID, hash string) error
	// SetRole changes a user's role; viewer assignments are kept only for viewers.
	SetRole(ctx context.Context, id UserID, r Role) error
	// SetAdmin, SetDisabled and DeleteUser refuse with KindConflict, in the
	// same transaction as the change, when it would leave no enabled
	// appliance admin (the CLI and the server may race).
	SetAdmin(ctx context.Context, id UserID, admin bool) error
	SetDisabled(ctx context.Context, id UserID, disabled bool) error
	// DeleteUser removes the user with its sessions, tokens and assignments.
	DeleteUser(ctx context.Context, id UserID) error

	CreateCamera(ctx context.Context, c Camera) (Camera, error)
	UpdateCamera(ctx context.Context, c Camera) error
	DeleteCamera(ctx context.Context, id CameraID) error
	// MoveCamera moves a camera to another household and drops its viewer
	// assignments, which belonged to the old household.
	// Footage recorded before at stays hidden behind Camera.HouseholdSince.
	MoveCamera(ctx context.Context, id CameraID, to HouseholdID, at time.Time) error

	// AssignCamera lets viewer u see camera c (same household only).
	AssignCamera(ctx context.Context, u UserID, c CameraID) error
	UnassignCamera(ctx context.Context, u UserID, c CameraID) error

	// DeleteUserCredentials ends every session and API token of a user:
	// after a password reset or a disable nothing issued before works again.
	DeleteUserCredentials(ctx context.Context, u UserID) error
	// DeleteSession removes one session; deleting a missing one is not an error.
	DeleteSession(ctx context.Context, id int64) error

	CreateToken(ctx context.Context, t APIToken) (APIToken, error)
	DeleteToken(ctx context.Context, id int64) error
	// CreateIntegration stores an MQTT integration; KindConflict when the
	// household or the topic prefix already has one.
	CreateIntegration(ctx context.Context, i Integration) (Integration, error)

	// SetShutter reads camera id's privacy shutter, applies fn to it and
	// stores the result, read and written in the change's transaction, with
	// its history: a hand close opens a period at at, a hand open ends it,
	// a new schedule is a schedule row from at. Nothing is written when fn
	// fails (its error is returned). KindNotFound when the camera is
	// missing.
	SetShutter(ctx context.Context, id CameraID, at time.Time, fn func(Shutter) (Shutter, error)) (Shutter, error)
}

// CameraLister lists every configured camera; ingest, recorder, retention
// and events poll it so cameras added, changed or removed by the CLI
// (another process) are picked up. It is here because four packages
// consume it.
type CameraLister interface {
	Cameras(ctx context.Context, h HouseholdID) ([]Camera, error)
}
