package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

const tokenUsage = `hearth token <command> [--data DIR]
  create --user NAME [--name LABEL] [--scope view|trigger|all] [--expires 90d]   (prints the token once)
  list [--user NAME]
  revoke TOKEN-ID                                                                  (the public ID list shows)`

func cmdToken(ctx context.Context, args []string, e env) error {
	sub, rest, err := subcommand(args, tokenUsage)
	if err != nil {
		return err
	}
	fs, data := adminFlags("token "+sub, e)
	var user, name, scope, expires string
	switch sub {
	case "create":
		fs.StringVar(&user, "user", "", "the user the token acts as (required)")
		fs.StringVar(&name, "name", "api token", "a label to recognise the token by")
		fs.StringVar(&scope, "scope", "view", "what the token may do: view, trigger or all")
		fs.StringVar(&expires, "expires", "", "lifetime, e.g. 90d or 12h (default: never)")
	case "list":
		fs.StringVar(&user, "user", "", "only this user's tokens")
	}
	pos, err := parseArgs(fs, rest)
	if err != nil {
		return err
	}
	switch sub {
	case "create":
		if err := wantArgs(pos, 0, "hearth token create --user NAME [--scope S] [--expires D]"); err != nil {
			return err
		}
		if user == "" {
			return usagef("token create needs --user")
		}
		sc, err := nvr.ParseTokenScope(scope)
		if err != nil {
			return usagef("--scope: %s", nvr.ErrorMessage(err))
		}
		ttl, err := parseLifetime(expires)
		if err != nil {
			return err
		}
		return withUser(ctx, e, *data, user, func(a *app, u nvr.User) error {
			token, t, err := a.operator().CreateToken(ctx, u.PublicID, name, sc, ttl)
			if err != nil {
				return errMessage(err)
			}
			fmt.Fprintf(e.stderr, "token %s for %q (scope %s) created; it is shown once, store it now:\n", t.PublicID, u.Name, t.Scope)
			fmt.Fprintln(e.stdout, token)
			return nil
		})
	case "list":
		if err := wantArgs(pos, 0, "hearth token list [--user NAME]"); err != nil {
			return err
		}
		return withApp(ctx, e, *data, func(a *app) error {
			var uid nvr.UserID
			if user != "" {
				u, err := userRef(ctx, a, user)
				if err != nil {
					return err
				}
				uid = u.ID
			}
			ts, err := a.store.Tokens(ctx, uid)
			if err != nil {
				return err
			}
			us, err := a.store.Users(ctx, 0)
			if err != nil {
				return fmt.Errorf("list users: %w", err)
			}
			names := make(map[nvr.UserID]string, len(us))
			for _, u := range us {
				names[u.ID] = u.Name
			}
			tw := table(e.stdout)
			fmt.Fprintln(tw, "ID\tUSER\tNAME\tSCOPE\tCREATED\tLAST USED\tEXPIRES")
			for _, t := range ts {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.PublicID, names[t.UserID], t.Name, t.Scope,
					fmtTime(t.CreatedAt), fmtTime(t.LastUsedAt), fmtTime(t.ExpiresAt))
			}
			return tw.Flush()
		})
	case "revoke":
		if err := wantArgs(pos, 1, "hearth token revoke TOKEN-ID"); err != nil {
			return err
		}
		id, err := nvr.ParsePublicID(pos[0])
		if err != nil {
			return usagef("token ID must be the 32-character ID shown by `hearth token list`")
		}
		return withApp(ctx, e, *data, func(a *app) error {
			// The row number the directory revokes by stays inside the
			// store; the admin names the token by its public ID.
			ts, err := a.store.Tokens(ctx, 0)
			if err != nil {
				return fmt.Errorf("list tokens: %w", err)
			}
			i := slices.IndexFunc(ts, func(t nvr.APIToken) bool { return t.PublicID == id })
			if i < 0 {
				return fmt.Errorf("token %s: %w", id, errMessage(nvr.ErrNotFound))
			}
			if err := a.operator().RevokeToken(ctx, ts[i].ID); err != nil {
				return fmt.Errorf("token %s: %w", id, errMessage(err))
			}
			fmt.Fprintf(e.stdout, "token %s revoked\n", id)
			return nil
		})
	}
	return usagef("unknown token command %q\nusage: %s", sub, tokenUsage)
}

// parseLifetime accepts Go durations plus a "d" (days) suffix; "" is forever.
func parseLifetime(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	var days int
	if _, err := fmt.Sscanf(s, "%dd", &days); err == nil && fmt.Sprintf("%dd", days) == s {
		if days <= 0 || days > 3650 {
			return 0, usagef("--expires: days must be 1-3650")
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, usagef("--expires %q: want a positive duration like 90d or 12h", s)
	}
	return d, nil
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}
