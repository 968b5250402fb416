package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hearthnvr/hearth/nvr"
)

const userUsage = `hearth user <command> [--data DIR]   (NAME: a name or public ID; H: a household name or public ID)
  add NAME --household H [--role owner|member|viewer] [--admin]   (password from stdin or prompt)
  list [--household H]
  passwd NAME                                                      (password from stdin or prompt)
  remove NAME
  role NAME owner|member|viewer
  admin NAME on|off
  disable NAME | enable NAME
  assign NAME CAMERA-ID | unassign NAME CAMERA-ID                  (a viewer's cameras)`

// cmdUser runs one user subcommand, each with its own flags.
func cmdUser(ctx context.Context, args []string, e env) error {
	sub, rest, err := subcommand(args, userUsage)
	if err != nil {
		return err
	}
	switch sub {
	case "add":
		return userAdd(ctx, rest, e)
	case "list":
		return userList(ctx, rest, e)
	case "passwd":
		return userPasswd(ctx, rest, e)
	case "remove":
		return userRemove(ctx, rest, e)
	case "role":
		return userRole(ctx, rest, e)
	case "admin":
		return userAdmin(ctx, rest, e)
	case "disable", "enable":
		return userDisable(ctx, sub, rest, e)
	case "assign", "unassign":
		return userAssign(ctx, sub, rest, e)
	}
	return usagef("unknown user command %q\nusage: %s", sub, userUsage)
}

// userList is `hearth user list`.
func userList(ctx context.Context, args []string, e env) error {
	fs, data := adminFlags("user list", e)
	var household string
	fs.StringVar(&household, "household", "", "only this household (name or public ID)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, "hearth user list [--household H]"); err != nil {
		return err
	}
	return withApp(ctx, e, *data, func(a *app) error { return listUsers(ctx, a, household, e) })
}

// userPasswd is `hearth user passwd`.
func userPasswd(ctx context.Context, args []string, e env) error {
	fs, data := adminFlags("user passwd", e)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "hearth user passwd NAME"); err != nil {
		return err
	}
	return withUser(ctx, e, *data, pos[0], func(a *app, u nvr.User) error {
		pw, err := readPassword(e, "new password for "+u.Name)
		if err != nil {
			return err
		}
		if _, err := a.operator().UpdateUser(ctx, u.PublicID, nvr.UserChanges{Password: &pw}); err != nil {
			return errMessage(err)
		}
		fmt.Fprintf(e.stdout, "password of %q changed; their sessions and API tokens were ended\n", u.Name)
		return nil
	})
}

// userRemove is `hearth user remove`.
func userRemove(ctx context.Context, args []string, e env) error {
	fs, data := adminFlags("user remove", e)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "hearth user remove NAME"); err != nil {
		return err
	}
	return withUser(ctx, e, *data, pos[0], func(a *app, u nvr.User) error {
		if err := a.operator().RemoveUser(ctx, u.PublicID); err != nil {
			return errMessage(err)
		}
		fmt.Fprintf(e.stdout, "user %q removed; their sessions and tokens no longer work\n", u.Name)
		return nil
	})
}

// userRole is `hearth user role`.
func userRole(ctx context.Context, args []string, e env) error {
	fs, data := adminFlags("user role", e)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 2, "hearth user role NAME owner|member|viewer"); err != nil {
		return err
	}
	r, err := nvr.ParseRole(pos[1])
	if err != nil {
		return usagef("%s", nvr.ErrorMessage(err))
	}
	return withUser(ctx, e, *data, pos[0], func(a *app, u nvr.User) error {
		if _, err := a.operator().UpdateUser(ctx, u.PublicID, nvr.UserChanges{Role: &r}); err != nil {
			return errMessage(err)
		}
		fmt.Fprintf(e.stdout, "user %q is now %s\n", u.Name, r)
		return nil
	})
}

// userAdmin is `hearth user admin`.
func userAdmin(ctx context.Context, args []string, e env) error {
	fs, data := adminFlags("user admin", e)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 2, "hearth user admin NAME on|off"); err != nil {
		return err
	}
	on, err := parseOnOff(pos[1])
	if err != nil {
		return err
	}
	return withUser(ctx, e, *data, pos[0], func(a *app, u nvr.User) error {
		if _, err := a.operator().UpdateUser(ctx, u.PublicID, nvr.UserChanges{Admin: &on}); err != nil {
			return errMessage(err)
		}
		fmt.Fprintf(e.stdout, "user %q appliance admin: %s\n", u.Name, pos[1])
		return nil
	})
}

// userDisable is `hearth user disable` and `enable`.
func userDisable(ctx context.Context, sub string, args []string, e env) error {
	fs, data := adminFlags("user "+sub, e)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "hearth user "+sub+" NAME"); err != nil {
		return err
	}
	return withUser(ctx, e, *data, pos[0], func(a *app, u nvr.User) error {
		disabled := sub == "disable"
		if _, err := a.operator().UpdateUser(ctx, u.PublicID, nvr.UserChanges{Disabled: &disabled}); err != nil {
			return errMessage(err)
		}
		if sub == "disable" {
			fmt.Fprintf(e.stdout, "user %q disabled; their sessions and API tokens were ended\n", u.Name)
			return nil
		}
		// Enabling starts clean (the directory's setDisabled): new logins and tokens only.
		fmt.Fprintf(e.stdout, "user %q enabled\n", u.Name)
		return nil
	})
}

// userAssign is `hearth user assign` and `unassign`.
func userAssign(ctx context.Context, sub string, args []string, e env) error {
	fs, data := adminFlags("user "+sub, e)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 2, "hearth user "+sub+" NAME CAMERA-ID"); err != nil {
		return err
	}
	return withUser(ctx, e, *data, pos[0], func(a *app, u nvr.User) error {
		cam, err := nvr.ParseCameraID(pos[1])
		if err != nil {
			return fmt.Errorf("camera %q: not found", pos[1])
		}
		if err := a.operator().Assign(ctx, u.PublicID, cam, sub == "assign"); err != nil {
			return errMessage(err)
		}
		fmt.Fprintf(e.stdout, "user %q %sed camera %s\n", u.Name, sub, cam)
		return nil
	})
}

func withUser(ctx context.Context, e env, data, ref string, f func(*app, nvr.User) error) error {
	return withApp(ctx, e, data, func(a *app) error {
		u, err := userRef(ctx, a, ref)
		if err != nil {
			return err
		}
		return f(a, u)
	})
}

// userRef finds a user by public ID or exact name. A row number is no
// reference: it never leaves the store (it counts every household's
// accounts), and no user name is all digits.
func userRef(ctx context.Context, a *app, ref string) (nvr.User, error) {
	u, err := func() (nvr.User, error) {
		if _, err := nvr.ParsePublicID(ref); err == nil {
			u, err := a.store.UserByPublicID(ctx, ref)
			if !errors.Is(err, nvr.ErrNotFound) {
				return u, err
			}
		}
		if strings.Trim(ref, "0123456789") == "" {
			return nvr.User{}, nvr.ErrNotFound
		}
		return a.store.UserByRef(ctx, ref)
	}()
	if err != nil {
		return nvr.User{}, fmt.Errorf("user %q: %w", ref, errMessage(err))
	}
	return u, nil
}

func listUsers(ctx context.Context, a *app, household string, e env) error {
	h, err := householdRef(ctx, a, household)
	if err != nil {
		return err
	}
	us, err := a.store.Users(ctx, h.ID)
	if err != nil {
		return err
	}
	hs, err := householdsByID(ctx, a)
	if err != nil {
		return err
	}
	tw := table(e.stdout)
	fmt.Fprintln(tw, "ID\tNAME\tHOUSEHOLD\tROLE\tADMIN\tDISABLED")
	for _, u := range us {
		// A role is within a household: an appliance admin without one
		// read "member" there, a member of nothing.
		hn, role := "-", "-"
		if u.HouseholdID != 0 {
			hn, role = hs[u.HouseholdID].Name, string(u.Role)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%t\t%t\n", u.PublicID, u.Name, hn, role, u.Admin, u.Disabled)
	}
	return tw.Flush()
}

// describeUser says what u is; h is u's household.
func describeUser(u nvr.User, h nvr.Household) string {
	if u.HouseholdID == 0 {
		if u.Admin {
			return "appliance admin, in no household"
		}
		return "in no household"
	}
	d := fmt.Sprintf("%s of household %s %q", u.Role, h.PublicID, h.Name)
	if u.Admin {
		d += ", appliance admin"
	}
	return d
}

func parseOnOff(s string) (bool, error) {
	switch s {
	case "on", "true", "yes":
		return true, nil
	case "off", "false", "no":
		return false, nil
	}
	return false, usagef("want on or off, got %q", s)
}
