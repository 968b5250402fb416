package main

import (
	"context"
	"fmt"

	"github.com/hearthnvr/hearth/nvr"
)

const householdUsage = "hearth household add NAME | list | remove NAME|ID  [--data DIR]   (ID: the public ID `list` shows)"

func cmdHousehold(ctx context.Context, args []string, e env) error {
	sub, rest, err := subcommand(args, householdUsage)
	if err != nil {
		return err
	}
	fs, data := adminFlags("household "+sub, e)
	pos, err := parseArgs(fs, rest)
	if err != nil {
		return err
	}
	switch sub {
	case "add":
		if err := wantArgs(pos, 1, "hearth household add NAME"); err != nil {
			return err
		}
		return withApp(ctx, e, *data, func(a *app) error {
			h, err := a.operator().AddHousehold(ctx, pos[0])
			if err != nil {
				return errMessage(err)
			}
			fmt.Fprintf(e.stdout, "household %s %q created\n", h.PublicID, h.Name)
			return nil
		})
	case "list":
		if err := wantArgs(pos, 0, "hearth household list"); err != nil {
			return err
		}
		return withApp(ctx, e, *data, func(a *app) error {
			hs, err := a.store.Households(ctx)
			if err != nil {
				return err
			}
			tw := table(e.stdout)
			fmt.Fprintln(tw, "ID\tNAME\tCREATED")
			for _, h := range hs {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", h.PublicID, h.Name, h.CreatedAt.UTC().Format("2006-01-02 15:04"))
			}
			return tw.Flush()
		})
	case "remove":
		if err := wantArgs(pos, 1, "hearth household remove NAME|ID"); err != nil {
			return err
		}
		return withApp(ctx, e, *data, func(a *app) error {
			h, err := a.store.HouseholdByRef(ctx, pos[0])
			if err != nil {
				return fmt.Errorf("household %q: %w", pos[0], errMessage(err))
			}
			if err := a.operator().RemoveHousehold(ctx, h.ID); err != nil {
				return errMessage(err)
			}
			fmt.Fprintf(e.stdout, "household %s %q removed\n", h.PublicID, h.Name)
			return nil
		})
	}
	return usagef("unknown household command %q\nusage: %s", sub, householdUsage)
}

// householdRef resolves a --household flag value (a name or a public ID);
// empty means none, the zero Household.
func householdRef(ctx context.Context, a *app, ref string) (nvr.Household, error) {
	if ref == "" {
		return nvr.Household{}, nil
	}
	h, err := a.store.HouseholdByRef(ctx, ref)
	if err != nil {
		return nvr.Household{}, fmt.Errorf("household %q: %w", ref, errMessage(err))
	}
	return h, nil
}

// householdsByID maps every household's row number to the household, so
// listings can print public IDs and names.
func householdsByID(ctx context.Context, a *app) (map[nvr.HouseholdID]nvr.Household, error) {
	hs, err := a.store.Households(ctx)
	if err != nil {
		return nil, fmt.Errorf("list households: %w", err)
	}
	m := make(map[nvr.HouseholdID]nvr.Household, len(hs))
	for _, h := range hs {
		m[h.ID] = h
	}
	return m, nil
}
