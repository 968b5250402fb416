package db

import (
	"context"
	"database/sql"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// The policy's reads run on every request, so each is one prepared
// statement: one read transaction, one consistent snapshot.

// credentialValid is true when the principal's session or token row exists,
// belongs to the principal's user and is unexpired at :now. A session must
// be within its absolute expiry and seen within the idle timeout; a token
// must be unexpired (expires_at_ns = 0: never) and of the principal's scope.
// A notification principal (kind 5, nvr.CredentialNotify) holds one of
// the user's notification channels: valid while that channel row exists
// and is the user's (a disabled user is refused by the policy). Any other
// credential kind is never valid.
const credentialValid = `
	CASE :kind
	WHEN 1 THEN EXISTS (
		SELECT 1 FROM sessions s
		WHERE s.id = :cred AND s.user_id = :uid
		  AND :now < s.expires_at_ns AND s.last_seen_at_ns > :now - :idle)
	WHEN 2 THEN EXISTS (
		SELECT 1 FROM api_tokens t
		WHERE t.id = :cred AND t.user_id = :uid AND t.scope = :scope
		  AND (t.expires_at_ns = 0 OR :now < t.expires_at_ns))
	WHEN 5 THEN EXISTS (
		SELECT 1 FROM notify_channels c
		WHERE c.id = :cred AND c.user_id = :uid)
	ELSE 0 END`

const subjectQuery = `
SELECT ` + userColumns + `, ` + credentialValid + `
FROM users WHERE id = :uid`

// cameraAccessQuery always yields one row: the user and the camera are
// LEFT JOINed to a one-row table, so either may be missing.
const cameraAccessQuery = `
SELECT
	u.id IS NOT NULL, COALESCE(u.name, ''), COALESCE(u.household_id, 0), COALESCE(u.role, ''),
	COALESCE(u.is_admin, 0), COALESCE(u.disabled, 0), COALESCE(u.created_at_ns, 0),
	` + credentialValid + `,
	c.id IS NOT NULL, COALESCE(c.household_id, 0), COALESCE(c.name, ''), COALESCE(c.main_url, ''),
	COALESCE(c.sub_url, ''), COALESCE(c.rtsp_username, ''), COALESCE(c.rtsp_password, ''),
	COALESCE(c.transport, ''), COALESCE(c.enabled, 0), COALESCE(c.created_at_ns, 0),
	COALESCE(c.record_mode, ''), COALESCE(c.pre_roll_ms, 0), COALESCE(c.post_roll_ms, 0),
	COALESCE(c.retain_continuous_days, 0), COALESCE(c.retain_event_days, 0), COALESCE(c.household_since_ns, 0),
	COALESCE(c.detector, ''), COALESCE(c.motion_sensitivity, 0), COALESCE(c.motion_zones, '[]'),
	COALESCE(c.events_enabled, 0), COALESCE(c.local_ok, 0),
	COALESCE(c.shutter_closed, 0), COALESCE(c.shutter_start_min, 0), COALESCE(c.shutter_end_min, 0),
	COALESCE(c.shutter_keep_recording, 0),
	COALESCE(c.onvif_url, ''), COALESCE(c.event_source, 'hearth'), COALESCE(c.record_resume_mode, 'continuous'),
	EXISTS (SELECT 1 FROM camera_viewers v WHERE v.user_id = :uid AND v.camera_id = :cam)
FROM (SELECT 1) AS one
LEFT JOIN users u ON u.id = :uid
LEFT JOIN cameras c ON c.id = :cam`

func (d *DB) principalArgs(p nvr.Principal, now time.Time) []any {
	return []any{
		sql.Named("kind", int64(p.Kind)),
		sql.Named("cred", p.CredentialID),
		sql.Named("uid", int64(p.UserID)),
		sql.Named("scope", string(p.Scope)),
		sql.Named("now", now.UnixNano()),
		sql.Named("idle", int64(d.idle)),
	}
}

// Subject reads p's user and whether p's credential is valid at now, in one
// query. A missing user or credential yields a Subject that is not usable,
// not an error.
func (d *DB) Subject(ctx context.Context, p nvr.Principal, now time.Time) (nvr.Subject, error) {
	const op = "read subject"
	var valid bool
	u, err := scanUser(d.hot.subject.QueryRowContext(ctx, d.principalArgs(p, now)...), &valid)
	if isNoRows(err) {
		return nvr.Subject{Principal: p}, nil
	}
	if err != nil {
		return nvr.Subject{}, internal(op, err)
	}
	return nvr.Subject{Principal: p, User: u, CredentialValid: valid}, nil
}

// CameraAccess reads p's user, its credential's validity, camera id and
// whether it is assigned to the user, in one query. A missing camera is
// not an error: Exists is false.
func (d *DB) CameraAccess(ctx context.Context, p nvr.Principal, id nvr.CameraID, now time.Time) (nvr.Subject, nvr.CameraFacts, error) {
	const op = "read camera access"
	// Plain Go types: database/sql converts them without reflection.
	var (
		userExists, valid, camExists, assigned bool
		admin, disabled, enabled               bool
		userHousehold, userAt, camHousehold    int64
		camAt                                  int64
		name, role                             string
		c                                      nvr.Camera
		password, transport                    string
		rec                                    cameraRecording
	)
	args := append(d.principalArgs(p, now), sql.Named("cam", string(id)))
	dest := []any{&userExists, &name, &userHousehold, &role, &admin, &disabled, &userAt,
		&valid,
		&camExists, &camHousehold, &c.Name, &c.MainURL, &c.SubURL, &c.Username, &password,
		&transport, &enabled, &camAt}
	dest = append(append(dest, rec.dest()...), &assigned)
	err := d.hot.cameraAccess.QueryRowContext(ctx, args...).Scan(dest...)
	if err != nil {
		return nvr.Subject{}, nvr.CameraFacts{}, internal(op, err)
	}
	subj := nvr.Subject{Principal: p}
	if userExists {
		subj.User = nvr.User{ID: p.UserID, Name: name, HouseholdID: nvr.HouseholdID(userHousehold),
			Role: nvr.Role(role), Admin: admin, Disabled: disabled, CreatedAt: fromNs(userAt)}
		subj.CredentialValid = valid
	}
	var facts nvr.CameraFacts
	if camExists {
		c.ID, c.HouseholdID, c.Transport, c.Enabled = id, nvr.HouseholdID(camHousehold), nvr.Transport(transport), enabled
		c.Password = nvr.NewSecret(password)
		c.CreatedAt = fromNs(camAt)
		rec.apply(&c)
		facts = nvr.CameraFacts{Camera: c, Exists: true, Assigned: userExists && assigned}
	}
	return subj, facts, nil
}

// HouseholdCameras lists household h's cameras ordered by name; when
// assignedTo is non-zero, only those assigned to that user. h == 0 lists
// nothing (unlike Cameras, it never means "all").
func (d *DB) HouseholdCameras(ctx context.Context, h nvr.HouseholdID, assignedTo nvr.UserID) ([]nvr.Camera, error) {
	const op = "list household cameras"
	var (
		rows *sql.Rows
		err  error
	)
	if assignedTo == 0 {
		rows, err = d.hot.householdCameras.QueryContext(ctx, int64(h))
	} else {
		rows, err = d.hot.assignedCameras.QueryContext(ctx, int64(h), int64(assignedTo))
	}
	if err != nil {
		return nil, internal(op, err)
	}
	return scanCameras(rows, op)
}
