package nvr

import (
	"context"
	"strings"
	"time"
)

// Directory manages households, users, cameras and API tokens: it validates
// input, hashes passwords and keeps the rules that span rows (a viewer's
// cameras are in their own household; the last admin cannot be removed).
// It changes nothing without a grant: callers hold an AdminGrant (a
// signed-in admin's, or Policy.LocalOperator's for the CLI),
// HouseholdGrant, CameraGrant or UserGrant from the Policy and go through
// ForAdmin, ForHousehold, ConfigureCamera or the account methods, which
// ask the policy's decisions what the grant reaches. Every change commits
// together with its audit row (DirectoryStore.Change). The store is never
// handed out. Safe for concurrent use.
type Directory struct {
	store  DirectoryStore
	now    func() time.Time
	argon2 Argon2Params
}

// NewDirectory returns a Directory over store.
func NewDirectory(store DirectoryStore, now func() time.Time, argon2 Argon2Params) *Directory {
	if now == nil {
		now = time.Now
	}
	if argon2 == (Argon2Params{}) {
		argon2 = DefaultArgon2()
	}
	return &Directory{store: store, now: now, argon2: argon2}
}

// addHousehold creates a household.
func (d *Directory) addHousehold(ctx context.Context, w DirectoryWriter, name string) (Household, error) {
	if err := ValidateDisplayName("household", name); err != nil {
		return Household{}, err
	}
	if strings.Trim(name, "0123456789") == "" {
		// "household remove 42" must never be ambiguous between a name and an ID.
		return Household{}, Errorf("add household", KindInvalid, "household name must not be all digits")
	}
	h, err := w.CreateHousehold(ctx, name, d.now())
	return h, Wrap("add household", err)
}

// removeHousehold removes an empty household.
func (d *Directory) removeHousehold(ctx context.Context, w DirectoryWriter, id HouseholdID) error {
	return Wrap("remove household", w.DeleteHousehold(ctx, id))
}

// NewUser describes an account to create.
type NewUser struct {
	Name        string
	HouseholdID HouseholdID // 0: none (appliance admin only)
	Role        Role
	Admin       bool
	Password    string
}

// prepareUser validates nu and hashes its password, before the change
// begins: hashing is slow, and the write transaction is every writer's.
func (d *Directory) prepareUser(nu *NewUser) (string, error) {
	if err := ValidateUsername(nu.Name); err != nil {
		return "", err
	}
	if err := validateNewUser(nu); err != nil {
		return "", err
	}
	return HashPassword(nu.Password, d.argon2), nil
}

// validateNewUser checks everything of nu but the name, and fills in the
// default role.
func validateNewUser(nu *NewUser) error {
	if err := ValidatePassword(nu.Password); err != nil {
		return err
	}
	if nu.Role == "" {
		nu.Role = RoleMember
	}
	if _, err := ParseRole(string(nu.Role)); err != nil {
		return err
	}
	if nu.HouseholdID == 0 && !nu.Admin {
		return Errorf("add user", KindInvalid, "a user needs a household unless they are the appliance admin")
	}
	return nil
}

func (d *Directory) createUser(ctx context.Context, w DirectoryWriter, nu NewUser, hash string) (User, error) {
	u := User{Name: nu.Name, HouseholdID: nu.HouseholdID, Role: nu.Role, Admin: nu.Admin, CreatedAt: d.now()}
	u, err := w.CreateUser(ctx, u, hash)
	return u, Wrap("add user", err)
}

// setPassword stores a new password hash (hashed by the caller, before the
// change begins) and ends every session and API token of the user: a reset
// is how an account is taken back, so nothing issued under the old
// password may keep working. Tokens are re-issued deliberately.
func (d *Directory) setPassword(ctx context.Context, w DirectoryWriter, id UserID, hash string) error {
	const op = "set password"
	if err := w.SetPasswordHash(ctx, id, hash); err != nil {
		return Wrap(op, err)
	}
	return Wrap(op, w.DeleteUserCredentials(ctx, id))
}

// newPasswordHash validates password and hashes it for setPassword.
func (d *Directory) newPasswordHash(password string) (string, error) {
	if err := ValidatePassword(password); err != nil {
		return "", err
	}
	return HashPassword(password, d.argon2), nil
}

// setRole changes a user's household role.
func (d *Directory) setRole(ctx context.Context, w DirectoryWriter, id UserID, r Role) error {
	if _, err := ParseRole(string(r)); err != nil {
		return err
	}
	return Wrap("set role", w.SetRole(ctx, id, r))
}

// setAdmin grants or removes appliance administration; the last enabled
// admin cannot be demoted.
func (d *Directory) setAdmin(ctx context.Context, w DirectoryWriter, id UserID, admin bool) error {
	const op = "set admin"
	if !admin {
		if err := d.keepOneAdmin(ctx, id); err != nil {
			return err
		}
	}
	return Wrap(op, w.SetAdmin(ctx, id, admin))
}

// setDisabled disables or enables an account. Both directions end every
// session and API token of the user: a disabled account's credentials stop
// at once (the policy reads the flag), and enabling starts clean, so nothing
// issued before the disable works again. Enabling deletes first and then
// lifts the flag, so no instant exists where an old credential is usable.
// Enabling an account that is already enabled changes nothing.
func (d *Directory) setDisabled(ctx context.Context, w DirectoryWriter, id UserID, disabled bool) error {
	const op = "set disabled"
	if disabled {
		if err := d.keepOneAdmin(ctx, id); err != nil {
			return err
		}
		if err := w.SetDisabled(ctx, id, true); err != nil {
			return Wrap(op, err)
		}
		return Wrap(op, w.DeleteUserCredentials(ctx, id))
	}
	u, err := d.store.UserByRef(ctx, formatID(int64(id)))
	if err != nil {
		return Wrap(op, err)
	}
	if !u.Disabled {
		return nil
	}
	if err := w.DeleteUserCredentials(ctx, id); err != nil {
		return Wrap(op, err)
	}
	return Wrap(op, w.SetDisabled(ctx, id, false))
}

// removeUser deletes an account with its sessions, tokens and assignments.
func (d *Directory) removeUser(ctx context.Context, w DirectoryWriter, id UserID) error {
	if err := d.keepOneAdmin(ctx, id); err != nil {
		return err
	}
	return Wrap("remove user", w.DeleteUser(ctx, id))
}

// keepOneAdmin gives a friendly early answer; the store enforces the rule
// atomically.
func (d *Directory) keepOneAdmin(ctx context.Context, id UserID) error {
	const op = "keep an admin"
	u, err := d.store.UserByRef(ctx, formatID(int64(id)))
	if err != nil {
		return Wrap(op, err)
	}
	if !u.Admin || u.Disabled {
		return nil
	}
	n, err := d.store.AdminCount(ctx)
	if err != nil {
		return Wrap(op, err)
	}
	if n <= 1 {
		return Errorf(op, KindConflict, "%s is the only appliance admin; make another admin first", u.Name)
	}
	return nil
}

// NewCamera describes a camera to add.
type NewCamera struct {
	HouseholdID HouseholdID
	Name        string
	MainURL     string // may carry user:password@, which is split out
	SubURL      string
	Username    string // overrides credentials in the URL when set
	Password    Secret
	Transport   Transport
	// LocalOK: the appliance admin chose the URLs, which may then reach
	// this appliance (see Camera.LocalOK). False for a household owner's.
	LocalOK bool
	// ONVIFURL, when set, is the camera's ONVIF device service, on the
	// main stream's host (see Camera.ONVIFURL).
	ONVIFURL string
	// EventSource picks which events count ("" is Hearth's detector).
	EventSource EventSource
}

// newCamera validates nc and returns the camera it describes, with a fresh
// immutable ID, not yet stored.
func (d *Directory) newCamera(nc NewCamera) (Camera, error) {
	const op = "add camera"
	if err := ValidateDisplayName("camera", nc.Name); err != nil {
		return Camera{}, err
	}
	if nc.HouseholdID == 0 {
		return Camera{}, Errorf(op, KindInvalid, "a camera needs a household")
	}
	main, err := ParseCameraURL(nc.MainURL)
	if err != nil {
		return Camera{}, err
	}
	c := Camera{
		ID:          NewCameraID(),
		HouseholdID: nc.HouseholdID,
		Name:        nc.Name,
		MainURL:     main.URL,
		Username:    main.Username,
		Password:    main.Password,
		Enabled:     true,
		CreatedAt:   d.now(),
		LocalOK:     nc.LocalOK,
	}
	if nc.SubURL != "" {
		sub, err := ParseCameraURL(nc.SubURL)
		if err != nil {
			return Camera{}, err
		}
		c.SubURL = sub.URL
		if sub.Username != "" || sub.Password.IsSet() {
			if !SameCredentialHost(sub.URL, c.MainURL) {
				return Camera{}, errSubCredentialsHost
			}
			if !c.hasCredentials() { // the main URL's win
				c.Username, c.Password = sub.Username, sub.Password
			}
		}
	}
	if nc.Username != "" || nc.Password.IsSet() {
		c.Username, c.Password = nc.Username, nc.Password
	}
	if c.Transport, err = ParseTransport(string(nc.Transport)); err != nil {
		return Camera{}, err
	}
	if nc.ONVIFURL != "" {
		if c.ONVIFURL, err = ParseONVIFURL(nc.ONVIFURL); err != nil {
			return Camera{}, err
		}
		if !onvifOnMainHost(c.ONVIFURL, c.MainURL) {
			return Camera{}, errONVIFHost
		}
	}
	if nc.EventSource != "" {
		if c.Detection.Source, err = ParseEventSource(string(nc.EventSource)); err != nil {
			return Camera{}, err
		}
		if c.Detection.Source == EventSourceHearth {
			c.Detection.Source = "" // the default
		}
	}
	if c.Detection.Source.UsesCamera() && c.ONVIFURL == "" {
		return Camera{}, errCameraEventsNeedONVIF
	}
	return c, nil
}

// errCameraEventsNeedONVIF refuses camera events without an ONVIF address.
var errCameraEventsNeedONVIF = Errorf("camera onvif", KindInvalid, "the camera's own events need its ONVIF address")

// addCameraRecorded adds a camera for s under action: the camera's ID is
// drawn before the change, so its audit row names it.
func (d *Directory) addCameraRecorded(ctx context.Context, s Subject, action string, nc NewCamera) (Camera, error) {
	c, err := d.newCamera(nc)
	if err != nil {
		return Camera{}, d.refused(ctx, s, "", action, err)
	}
	err = d.change(ctx, s, c.ID, action, func(w DirectoryWriter) (err error) {
		c, err = w.CreateCamera(ctx, c)
		return Wrap("add camera", err)
	})
	return c, err
}

// errSubCredentialsHost refuses credentials written in a sub stream URL on
// another host than the main stream: the camera's one stored pair belongs
// to the main stream's host (credhost.go).
var errSubCredentialsHost = Errorf("camera url", KindInvalid, "the sub stream URL carries credentials but names "+
	"another host than the main stream; a camera keeps one user name and password, for the main stream's host")

// removeCamera deletes a camera.
func (d *Directory) removeCamera(ctx context.Context, w DirectoryWriter, id CameraID) error {
	return Wrap("remove camera", w.DeleteCamera(ctx, id))
}

// moveCamera moves a camera to another household; viewer assignments in the
// old household are dropped, and the footage recorded before the move is
// no longer played back to anyone (it was the old household's).
func (d *Directory) moveCamera(ctx context.Context, w DirectoryWriter, id CameraID, to HouseholdID) error {
	return Wrap("move camera", w.MoveCamera(ctx, id, to, d.now()))
}

// assignCamera lets viewer u see camera c, when the policy allows the
// assignment (decideAssignment) for the camera as stored now.
func (d *Directory) assignCamera(ctx context.Context, w DirectoryWriter, u User, c CameraID) error {
	const op = "assign camera"
	cam, err := d.store.Camera(ctx, c)
	if err != nil {
		return Wrap(op, err)
	}
	switch decideAssignment(u, cam) {
	case assignForeign:
		return ErrNotFound
	case assignNotViewer:
		return Errorf(op, KindInvalid, "only viewers have assigned cameras; owners and members see every camera of their household")
	}
	return Wrap(op, w.AssignCamera(ctx, u.ID, c))
}

// createToken issues an API token for a user. The token is returned once;
// only its hash is stored. ttl 0 means no expiry.
func (d *Directory) createToken(ctx context.Context, w DirectoryWriter, u UserID, name string, scope TokenScope, ttl time.Duration) (string, APIToken, error) {
	const op = "create token"
	if err := ValidateDisplayName("token", name); err != nil {
		return "", APIToken{}, err
	}
	if _, err := ParseTokenScope(string(scope)); err != nil {
		return "", APIToken{}, err
	}
	if ttl < 0 {
		return "", APIToken{}, Errorf(op, KindInvalid, "token lifetime must not be negative")
	}
	owner, err := d.store.UserByRef(ctx, formatID(int64(u)))
	if err != nil {
		return "", APIToken{}, Wrap(op, err)
	}
	if owner.Disabled {
		// Enabling the account ends every credential issued before it, so
		// a token made now would die unseen; say so instead.
		return "", APIToken{}, Errorf(op, KindConflict, "%s is disabled; enable the account first, then create the token", owner.Name)
	}
	if scope == ScopeTrigger && owner.Role != RoleOwner && owner.Role != RoleMember {
		// Only a household's owners and members trigger events: the token
		// would be refused on every use (a bare 404), so refuse it here.
		return "", APIToken{}, Errorf(op, KindInvalid, "only a household's owners and members trigger events, so a trigger token for %s would do nothing; make a view token", owner.Name)
	}
	token := newSecretToken(apiTokenPrefix)
	now := d.now()
	t := APIToken{UserID: u, Name: name, Scope: scope, TokenHash: HashToken(token), CreatedAt: now}
	if scope == ScopeView {
		// View tokens also work over RTSP (the restream), whose clients
		// only speak digest: keep the HA1 that checks them.
		t.DigestHA1 = DigestHA1(owner.Name, token)
	}
	if ttl > 0 {
		t.ExpiresAt = now.Add(ttl)
	}
	t, err = w.CreateToken(ctx, t)
	if err != nil {
		return "", APIToken{}, Wrap(op, err)
	}
	t.DigestHA1 = "" // stored for the restream; never handed back
	return token, t, nil
}

// revokeToken deletes an API token; it stops working on the next request.
func (d *Directory) revokeToken(ctx context.Context, w DirectoryWriter, id int64) error {
	return Wrap("revoke token", w.DeleteToken(ctx, id))
}

// CameraChanges lists the fields of a camera to change; nil fields stay.
type CameraChanges struct {
	Name      *string
	MainURL   *string // may carry user:password@, which is split out
	SubURL    *string // "" removes the sub stream
	Username  *string
	Password  *Secret
	Transport *Transport
	Enabled   *bool
	// LocalOK tells who gave MainURL/SubURL: true when the appliance admin
	// did (the camera may then reach this appliance; it also confirms
	// URLs left unchanged). A change of either URL by anyone else, nil or
	// false here, makes the camera's connections refuse this appliance
	// again (see Camera.LocalOK); unchanged URLs keep the flag.
	LocalOK *bool
	// ONVIFURL sets the ONVIF device service ("" removes it); it must be
	// on the main stream's host.
	ONVIFURL *string
	// EventSource picks which events count (see EventSource).
	EventSource *EventSource
	// Event detection settings (see Detection).
	Detector    *DetectorMode
	Sensitivity *int
	Zones       *[]Zone // zones and masks; an empty list: the whole picture
	NoEvents    *bool   // true: no detection, external triggers refused
	// Recording settings (see Camera.ValidateRecording).
	RecordMode       *RecordMode
	PreRoll          *time.Duration
	PostRoll         *time.Duration
	RetainContinuous *time.Duration // whole days
	RetainEvents     *time.Duration // whole days
}

// ConfigureCamera applies changes to the granted camera's configuration
// (see editCamera) for the holder of a manage grant, and records the change.
func (d *Directory) ConfigureCamera(ctx context.Context, g CameraGrant, ch CameraChanges) (Camera, error) {
	if err := g.Require(ActionManageCamera); err != nil {
		return Camera{}, err
	}
	var c Camera
	err := d.change(ctx, g.subject, g.CameraID(), "edit-camera", func(w DirectoryWriter) (err error) {
		c, err = d.editCamera(ctx, w, g.CameraID(), ch)
		return err
	})
	return c, err
}

// RemoveCamera deletes the granted camera for the holder of a manage grant
// (the household's owners, the admin) and records the change. Its viewer
// assignments and share links go with it; its recordings and events are
// no longer served and their files are removed by retention
// (db.DeleteCamera). Live sessions on it end at their next recheck.
func (d *Directory) RemoveCamera(ctx context.Context, g CameraGrant) error {
	if err := g.Require(ActionManageCamera); err != nil {
		return err
	}
	return d.change(ctx, g.subject, g.CameraID(), "remove-camera", func(w DirectoryWriter) error {
		return d.removeCamera(ctx, w, g.CameraID())
	})
}

// editCamera validates and applies changes to a camera's configuration.
// Its ID and household never change here (see moveCamera).
func (d *Directory) editCamera(ctx context.Context, w DirectoryWriter, id CameraID, ch CameraChanges) (Camera, error) {
	const op = "edit camera"
	c, err := d.store.Camera(ctx, id)
	if err != nil {
		return Camera{}, Wrap(op, err)
	}
	old := c
	if ch.Name != nil {
		if err := ValidateDisplayName("camera", *ch.Name); err != nil {
			return Camera{}, err
		}
		c.Name = *ch.Name
	}
	if ch.MainURL != nil {
		u, err := ParseCameraURL(*ch.MainURL)
		if err != nil {
			return Camera{}, err
		}
		c.MainURL = u.URL
		if !SameCredentialHost(old.MainURL, c.MainURL) {
			// Credentials belong to the host they were entered for: a new
			// host gets only those entered with it (credhost.go).
			c.Username, c.Password = "", Secret{}
		}
		if u.Username != "" || u.Password.IsSet() {
			c.Username, c.Password = u.Username, u.Password
		}
	}
	if ch.SubURL != nil {
		c.SubURL = ""
		if *ch.SubURL != "" {
			u, err := ParseCameraURL(*ch.SubURL)
			if err != nil {
				return Camera{}, err
			}
			c.SubURL = u.URL
			if u.Username != "" || u.Password.IsSet() {
				if !SameCredentialHost(u.URL, c.MainURL) {
					return Camera{}, errSubCredentialsHost
				}
				c.Username, c.Password = u.Username, u.Password
			}
		}
	}
	if ch.ONVIFURL != nil {
		c.ONVIFURL = ""
		if *ch.ONVIFURL != "" {
			if c.ONVIFURL, err = ParseONVIFURL(*ch.ONVIFURL); err != nil {
				return Camera{}, err
			}
			if !onvifOnMainHost(c.ONVIFURL, c.MainURL) {
				return Camera{}, errONVIFHost
			}
		}
	} else if c.ONVIFURL != "" && !onvifOnMainHost(c.ONVIFURL, c.MainURL) {
		// The main stream moved to another device: its ONVIF address (and,
		// above, its credentials) stay behind.
		c.ONVIFURL = ""
	}
	if ch.EventSource != nil {
		if c.Detection.Source, err = ParseEventSource(string(*ch.EventSource)); err != nil {
			return Camera{}, err
		}
		if c.Detection.Source == EventSourceHearth {
			c.Detection.Source = "" // the default
		}
	}
	if c.Detection.Source.UsesCamera() && c.ONVIFURL == "" {
		if ch.EventSource != nil || ch.ONVIFURL != nil {
			return Camera{}, errCameraEventsNeedONVIF
		}
		c.Detection.Source = "" // Hearth's detector: the address went with the main stream's host
	}
	switch {
	case ch.LocalOK != nil && *ch.LocalOK:
		c.LocalOK = true
	case c.MainURL != old.MainURL || c.SubURL != old.SubURL || c.ONVIFURL != old.ONVIFURL:
		c.LocalOK = false
	}
	if ch.Username != nil {
		c.Username = *ch.Username
	}
	if ch.Password != nil {
		c.Password = *ch.Password
	}
	if ch.Transport != nil {
		if c.Transport, err = ParseTransport(string(*ch.Transport)); err != nil {
			return Camera{}, err
		}
	}
	if ch.Enabled != nil {
		c.Enabled = *ch.Enabled
	}
	if ch.Detector != nil {
		c.Detection.Detector = *ch.Detector
	}
	if ch.Sensitivity != nil {
		c.Detection.Sensitivity = *ch.Sensitivity
	}
	if ch.Zones != nil {
		c.Detection.Zones = ZonesText(*ch.Zones)
	}
	if ch.NoEvents != nil {
		c.Detection.NoEvents = *ch.NoEvents
	}
	set := func(dst *time.Duration, v *time.Duration) {
		if v != nil {
			*dst = *v
		}
	}
	if ch.RecordMode != nil {
		c.RecordMode = *ch.RecordMode
	}
	set(&c.PreRoll, ch.PreRoll)
	set(&c.PostRoll, ch.PostRoll)
	set(&c.RetainContinuous, ch.RetainContinuous)
	set(&c.RetainEvents, ch.RetainEvents)
	if err := c.ValidateRecording(); err != nil {
		return Camera{}, err
	}
	det := c.Detection.WithDefaults()
	if ch.Sensitivity != nil {
		// A sensitivity given is judged as given: 0 is refused, not read
		// as "the default".
		det.Sensitivity = *ch.Sensitivity
	}
	if err := det.Validate(); err != nil {
		return Camera{}, err
	}
	if err := w.UpdateCamera(ctx, c); err != nil {
		return Camera{}, Wrap(op, err)
	}
	return c, nil
}

// HouseholdPublicID names household id in an answer: its public ID, which
// counts nothing (issue 14, finding 3). The caller holds the row number
// only from what a grant already gave it (a camera's, a user's or its own
// household), so naming it reveals nothing more; 0 (no household) is "".
func (d *Directory) HouseholdPublicID(ctx context.Context, id HouseholdID) (HouseholdPublicID, error) {
	if id == 0 {
		return "", nil
	}
	h, err := d.store.Household(ctx, id)
	if err != nil {
		return "", Wrap("name household", err)
	}
	return h.PublicID, nil
}
