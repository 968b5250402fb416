package main

import (
	"context"
	"fmt"

	"github.com/hearthnvr/hearth/nvr"
)

// userAdd is `hearth user add`.
func userAdd(ctx context.Context, args []string, e env) error {
	fs, data := adminFlags("user add", e)
	var household, role string
	var admin bool
	fs.StringVar(&household, "household", "", "household name or public ID (required unless --admin)")
	fs.StringVar(&role, "role", "member", "role in the household: owner, member or viewer")
	fs.BoolVar(&admin, "admin", false, "make this user the appliance admin")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "hearth user add NAME --household H [--role R] [--admin]"); err != nil {
		return err
	}
	r, err := nvr.ParseRole(role)
	if err != nil {
		return usagef("--role: %s", nvr.ErrorMessage(err))
	}
	return withApp(ctx, e, *data, func(a *app) error {
		h, err := householdRef(ctx, a, household)
		if err != nil {
			return err
		}
		if err := nvr.ValidateUsername(pos[0]); err != nil {
			return errMessage(err)
		}
		pw, err := readPassword(e, "password for "+pos[0])
		if err != nil {
			return err
		}
		u, err := a.operator().AddUser(ctx, nvr.NewUser{Name: pos[0], HouseholdID: h.ID, Role: r, Admin: admin, Password: pw})
		if err != nil {
			return errMessage(err)
		}
		fmt.Fprintf(e.stdout, "user %s %q created (%s)\n", u.PublicID, u.Name, describeUser(u, h))
		return nil
	})
}
