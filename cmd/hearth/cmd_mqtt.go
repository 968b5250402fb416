package main

import (
	"context"
	"fmt"

	"github.com/hearthnvr/hearth/nvr"
)

const mqttUsage = `hearth mqtt <command> [--data DIR]
  add HOUSEHOLD --token-user NAME [--prefix TOPIC] [--discovery-prefix TOPIC]
      makes the household's Home Assistant integration: an mqtt-scope token
      of NAME (a member of HOUSEHOLD; what NAME may see is what is published)
  list
  remove HOUSEHOLD      (revokes the integration's token; its topics are cleared)
The broker connection is in the configuration file's [mqtt] section.`

// cmdMQTT manages the households' MQTT integrations (nvr.Integration).
func cmdMQTT(ctx context.Context, args []string, e env) error {
	sub, rest, err := subcommand(args, mqttUsage)
	if err != nil {
		return err
	}
	switch sub {
	case "add":
		return cmdMQTTAdd(ctx, rest, e)
	case "list":
		return cmdMQTTList(ctx, rest, e)
	case "remove":
		return cmdMQTTRemove(ctx, rest, e)
	}
	return usagef("unknown mqtt command %q\nusage: %s", sub, mqttUsage)
}

func cmdMQTTAdd(ctx context.Context, args []string, e env) error {
	fs, data := adminFlags("mqtt add", e)
	user := fs.String("token-user", "", "the household member the integration speaks for (required)")
	prefix := fs.String("prefix", "", "topic prefix (default hearth/<household public ID>)")
	discovery := fs.String("discovery-prefix", "", "Home Assistant discovery prefix (default homeassistant; one per integration)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	const usage = "hearth mqtt add HOUSEHOLD --token-user NAME [--prefix TOPIC] [--discovery-prefix TOPIC]"
	if err := wantArgs(pos, 1, usage); err != nil {
		return err
	}
	if *user == "" {
		return usagef("mqtt add needs --token-user\nusage: %s", usage)
	}
	return withApp(ctx, e, *data, func(a *app) error {
		h, err := householdRef(ctx, a, pos[0])
		if err != nil {
			return err
		}
		in, err := a.operator().AddIntegration(ctx, h, *user, *prefix, *discovery)
		if err != nil {
			return errMessage(err)
		}
		fmt.Fprintf(e.stdout, "MQTT integration of household %q: topics under %s, Home Assistant discovery under %s, speaking for %s\n",
			h.Name, in.TopicPrefix, in.DiscoveryPrefix, *user)
		return nil
	})
}

func cmdMQTTList(ctx context.Context, args []string, e env) error {
	fs, data := adminFlags("mqtt list", e)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, "hearth mqtt list"); err != nil {
		return err
	}
	return withApp(ctx, e, *data, func(a *app) error {
		ins, err := a.store.Integrations(ctx)
		if err != nil {
			return fmt.Errorf("list integrations: %w", err)
		}
		hs, err := householdsByID(ctx, a)
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
		fmt.Fprintln(tw, "HOUSEHOLD\tTOKEN USER\tTOPIC PREFIX\tDISCOVERY PREFIX\tCREATED")
		for _, in := range ins {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", hs[in.HouseholdID].Name, names[in.UserID], in.TopicPrefix,
				in.DiscoveryPrefix, fmtTime(in.CreatedAt))
		}
		return tw.Flush()
	})
}

func cmdMQTTRemove(ctx context.Context, args []string, e env) error {
	fs, data := adminFlags("mqtt remove", e)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "hearth mqtt remove HOUSEHOLD"); err != nil {
		return err
	}
	return withApp(ctx, e, *data, func(a *app) error {
		h, err := householdRef(ctx, a, pos[0])
		if err != nil {
			return err
		}
		ins, err := a.store.Integrations(ctx)
		if err != nil {
			return fmt.Errorf("list integrations: %w", err)
		}
		for _, in := range ins {
			if in.HouseholdID == h.ID {
				if err := a.operator().RemoveIntegration(ctx, in); err != nil {
					return errMessage(err)
				}
				fmt.Fprintf(e.stdout, "MQTT integration of household %q removed\n", h.Name)
				return nil
			}
		}
		return fmt.Errorf("household %q has no MQTT integration: %w", h.Name, errMessage(nvr.ErrNotFound))
	})
}
