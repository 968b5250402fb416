package main

import (
	"context"
	"fmt"

	"github.com/hearthnvr/hearth/nvr"
)

const householdUsage = "hearth household add NAME | list | remove NAME|ID  [--data DIR]"

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
		return withApp(ctx, *data, func(a *app) error {
			h, err := a.directory.AddHousehold(ctx, pos[0])
			if err != nil {
				return errMessage(err)
			}
			fmt.Fprintf(e.stdout, "household %d %q created\n", h.ID, h.Name)
			return nil
		})
	case "list":
		if err := wantArgs(pos, 0, "hearth household list"); err != nil {
			return err
		}
		return withApp(ctx, *data, func(a *app) error {
			hs, err := a.store.Households(ctx)
			if err != nil {
				return err
			}
			tw := table(e.stdout)
			fmt.Fprintln(tw, "ID\tNAME\tCREATED")
			for _, h := range hs {
				fmt.Fprintf(tw, "%d\t%s\t%s\n", h.ID, h.Name, h.CreatedAt.UTC().Format("2006-01-02 15:04"))
			}
			return tw.Flush()
		})
	case "remove":
		if err := wantArgs(pos, 1, "hearth household remove NAME|ID"); err != nil {
			return err
		}
		return withApp(ctx, *data, func(a *app) error {
			h, err := a.store.HouseholdByRef(ctx, pos[0])
			if err != nil {
				return fmt.Errorf("household %q: %w", pos[0], errMessage(err))
			}
			if err := a.directory.RemoveHousehold(ctx, h.ID); err != nil {
				return errMessage(err)
			}
			fmt.Fprintf(e.stdout, "household %d %q removed\n", h.ID, h.Name)
			return nil
		})
	}
	return usagef("unknown household command %q\nusage: %s", sub, householdUsage)
}

// householdRef resolves a --household flag value; empty means none.
func householdRef(ctx context.Context, a *app, ref string) (nvr.HouseholdID, error) {
	if ref == "" {
		return 0, nil
	}
	h, err := a.store.HouseholdByRef(ctx, ref)
	if err != nil {
		return 0, fmt.Errorf("household %q: %w", ref, errMessage(err))
	}
	return h.ID, nil
}
