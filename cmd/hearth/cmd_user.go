package main

import (
	"context"
	"fmt"

	"github.com/hearthnvr/hearth/nvr"
)

const userUsage = `hearth user <command> [--data DIR]
  add NAME --household H [--role owner|member|viewer] [--admin]   (password from stdin or prompt)
  list [--household H]
  passwd NAME                                                      (password from stdin or prompt)
  remove NAME
  role NAME owner|member|viewer
  admin NAME on|off
  disable NAME | enable NAME
  assign NAME CAMERA-ID | unassign NAME CAMERA-ID                  (a viewer's cameras)`

func cmdUser(ctx context.Context, args []string, e env) error {
	sub, rest, err := subcommand(args, userUsage)
	if err != nil {
		return err
	}
	fs, data := adminFlags("user "+sub, e)
	var household, role string
	var admin bool
	switch sub {
	case "add":
		fs.StringVar(&household, "household", "", "household name or ID (required unless --admin)")
		fs.StringVar(&role, "role", "member", "role in the household: owner, member or viewer")
		fs.BoolVar(&admin, "admin", false, "make this user the appliance admin")
	case "list":
		fs.StringVar(&household, "household", "", "only this household (name or ID)")
	}
	pos, err := parseArgs(fs, rest)
	if err != nil {
		return err
	}
	switch sub {
	case "add":
		if err := wantArgs(pos, 1, "hearth user add NAME --household H [--role R] [--admin]"); err != nil {
			return err
		}
		r, err := nvr.ParseRole(role)
		if err != nil {
			return usagef("--role: %s", nvr.ErrorMessage(err))
		}
		return withApp(ctx, *data, func(a *app) error {
			hid, err := householdRef(ctx, a, household)
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
			u, err := a.directory.AddUser(ctx, nvr.NewUser{Name: pos[0], HouseholdID: hid, Role: r, Admin: admin, Password: pw})
			if err != nil {
				return errMessage(err)
			}
			fmt.Fprintf(e.stdout, "user %d %q created (%s)\n", u.ID, u.Name, describeUser(u))
			return nil
		})
	case "list":
		if err := wantArgs(pos, 0, "hearth user list [--household H]"); err != nil {
			return err
		}
		return withApp(ctx, *data, func(a *app) error { return listUsers(ctx, a, household, e) })
	case "passwd":
		if err := wantArgs(pos, 1, "hearth user passwd NAME"); err != nil {
			return err
		}
		return withUser(ctx, *data, pos[0], func(a *app, u nvr.User) error {
			pw, err := readPassword(e, "new password for "+u.Name)
			if err != nil {
				return err
			}
			if err := a.directory.SetPassword(ctx, u.ID, pw); err != nil {
				return errMessage(err)
			}
			fmt.Fprintf(e.stdout, "password of %q changed; their sessions and API tokens were ended\n", u.Name)
			return nil
		})
	case "remove":
		if err := wantArgs(pos, 1, "hearth user remove NAME"); err != nil {
			return err
		}
		return withUser(ctx, *data, pos[0], func(a *app, u nvr.User) error {
			if err := a.directory.RemoveUser(ctx, u.ID); err != nil {
				return errMessage(err)
			}
			fmt.Fprintf(e.stdout, "user %q removed; their sessions and tokens no longer work\n", u.Name)
			return nil
		})
	case "role":
		if err := wantArgs(pos, 2, "hearth user role NAME owner|member|viewer"); err != nil {
			return err
		}
		r, err := nvr.ParseRole(pos[1])
		if err != nil {
			return usagef("%s", nvr.ErrorMessage(err))
		}
		return withUser(ctx, *data, pos[0], func(a *app, u nvr.User) error {
			if err := a.directory.SetRole(ctx, u.ID, r); err != nil {
				return errMessage(err)
			}
			fmt.Fprintf(e.stdout, "user %q is now %s\n", u.Name, r)
			return nil
		})
	case "admin":
		if err := wantArgs(pos, 2, "hearth user admin NAME on|off"); err != nil {
			return err
		}
		on, err := parseOnOff(pos[1])
		if err != nil {
			return err
		}
		return withUser(ctx, *data, pos[0], func(a *app, u nvr.User) error {
			if err := a.directory.SetAdmin(ctx, u.ID, on); err != nil {
				return errMessage(err)
			}
			fmt.Fprintf(e.stdout, "user %q appliance admin: %s\n", u.Name, pos[1])
			return nil
		})
	case "disable", "enable":
		if err := wantArgs(pos, 1, "hearth user "+sub+" NAME"); err != nil {
			return err
		}
		return withUser(ctx, *data, pos[0], func(a *app, u nvr.User) error {
			if err := a.directory.SetDisabled(ctx, u.ID, sub == "disable"); err != nil {
				return errMessage(err)
			}
			if sub == "disable" {
				fmt.Fprintf(e.stdout, "user %q disabled; their sessions and API tokens were ended\n", u.Name)
				return nil
			}
			// Enabling starts clean (Directory.SetDisabled): new logins and tokens only.
			fmt.Fprintf(e.stdout, "user %q enabled\n", u.Name)
			return nil
		})
	case "assign", "unassign":
		if err := wantArgs(pos, 2, "hearth user "+sub+" NAME CAMERA-ID"); err != nil {
			return err
		}
		return withUser(ctx, *data, pos[0], func(a *app, u nvr.User) error {
			cam, err := nvr.ParseCameraID(pos[1])
			if err != nil {
				return fmt.Errorf("camera %q: not found", pos[1])
			}
			if sub == "assign" {
				err = a.directory.AssignCamera(ctx, u.ID, cam)
			} else {
				err = a.directory.UnassignCamera(ctx, u.ID, cam)
			}
			if err != nil {
				return errMessage(err)
			}
			fmt.Fprintf(e.stdout, "user %q %sed camera %s\n", u.Name, sub, cam)
			return nil
		})
	}
	return usagef("unknown user command %q\nusage: %s", sub, userUsage)
}

func withUser(ctx context.Context, data, ref string, f func(*app, nvr.User) error) error {
	return withApp(ctx, data, func(a *app) error {
		u, err := a.store.UserByRef(ctx, ref)
		if err != nil {
			return fmt.Errorf("user %q: %w", ref, errMessage(err))
		}
		return f(a, u)
	})
}

func listUsers(ctx context.Context, a *app, household string, e env) error {
	hid, err := householdRef(ctx, a, household)
	if err != nil {
		return err
	}
	us, err := a.store.Users(ctx, hid)
	if err != nil {
		return err
	}
	names := map[nvr.HouseholdID]string{}
	hs, err := a.store.Households(ctx)
	if err != nil {
		return err
	}
	for _, h := range hs {
		names[h.ID] = h.Name
	}
	tw := table(e.stdout)
	fmt.Fprintln(tw, "ID\tNAME\tHOUSEHOLD\tROLE\tADMIN\tDISABLED")
	for _, u := range us {
		hn := "-"
		if u.HouseholdID != 0 {
			hn = names[u.HouseholdID]
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%t\t%t\n", u.ID, u.Name, hn, u.Role, u.Admin, u.Disabled)
	}
	return tw.Flush()
}

func describeUser(u nvr.User) string {
	d := string(u.Role)
	if u.HouseholdID != 0 {
		d += fmt.Sprintf(" of household %d", u.HouseholdID)
	}
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
