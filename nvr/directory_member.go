package nvr

import (
	"context"
	"strings"
)

// errNameUnusable is the household owner's one answer for a user name that
// cannot be had, whether it is malformed or taken. User names are one
// namespace across the appliance (they are the login), so a taken name may
// belong to another household; saying so would confirm that a stranger's
// account exists. The appliance admin, who sees every account, gets the
// precise answers from AddUser instead.
var errNameUnusable = &Error{Op: "add member", Kind: KindInvalid,
	Msg: "that user name cannot be used: it is taken on this appliance (names are shared by every household on it), or it breaks the rule " +
		"of 1-64 characters of letters, digits, '.', '_', '@' or '-', starting with a letter or digit, and not all digits; choose another"}

// AddHouseholdMember creates an account in the granted household for its
// owner. The password and role are checked first, since their answers do
// not depend on anyone else's account. Then a malformed name and a name
// already used anywhere on the appliance (in any case) answer the same
// KindInvalid error, and both after hashing the password, so neither the
// answer nor its time tells the owner about other households.
// The change is recorded in the audit log.
func (d *Directory) AddHouseholdMember(ctx context.Context, g HouseholdGrant, nu NewUser) (User, error) {
	if !g.Valid() {
		return User{}, ErrNotFound
	}
	return d.addHouseholdMember(ctx, g, nu)
}

func (d *Directory) addHouseholdMember(ctx context.Context, g HouseholdGrant, nu NewUser) (User, error) {
	const action = "add-member"
	nu.HouseholdID, nu.Admin = g.HouseholdID(), false
	if err := validateNewUser(&nu); err != nil {
		return User{}, d.refused(ctx, g.subject, "", action, err)
	}
	hash := HashPassword(nu.Password, d.argon2)
	if ValidateUsername(nu.Name) != nil {
		return User{}, d.refused(ctx, g.subject, "", action, errNameUnusable)
	}
	var u User
	err := d.change(ctx, g.subject, "", action, func(w DirectoryWriter) (err error) {
		u, err = d.createUser(ctx, w, nu, hash)
		return err
	})
	if ErrorKind(err) == KindConflict {
		return User{}, d.nameTakenAnswer(ctx, g, nu.Name)
	}
	return u, err
}

// nameTakenAnswer is the owner's answer for a name already used: when the
// account is one of their own household's people, whom they see listed
// anyway, it says so; otherwise the one errNameUnusable, which tells
// nothing of other households.
func (d *Directory) nameTakenAnswer(ctx context.Context, g HouseholdGrant, name string) error {
	us, err := d.store.Users(ctx, g.HouseholdID())
	if err != nil {
		return errNameUnusable
	}
	for _, u := range us {
		if decideHouseholdUser(g, u) && strings.EqualFold(u.Name, name) {
			return Errorf("add member", KindConflict, "the user %s is already in your household", u.Name)
		}
	}
	return errNameUnusable
}
