package nvr

import "context"

// errNameUnusable is the household owner's one answer for a user name that
// cannot be had, whether it is malformed or taken. User names are one
// namespace across the appliance (they are the login), so a taken name may
// belong to another household; saying so would confirm that a stranger's
// account exists. The appliance admin, who sees every account, gets the
// precise answers from AddUser instead.
var errNameUnusable = &Error{Op: "add member", Kind: KindInvalid,
	Msg: "that user name cannot be used; choose another (1-64 characters of letters, digits, '.', '_', '@' or '-', starting with a letter or digit, and not all digits)"}

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
		return User{}, errNameUnusable
	}
	return u, err
}
