package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/notify"
)

const notifyUsage = `hearth notify <command> [--data DIR]
  channel add USER --kind webhook|ntfy|email --target URL-OR-ADDRESS [--name LABEL] [--secret-stdin] [--allow-local]
                 (the secret, an HMAC key or ntfy token, is read from stdin; --allow-local lets the target be this machine)
  channel list USER
  channel remove USER CHANNEL-ID
  rule add USER --kinds motion,trigger,offline,online,stalled,storage-low [--camera CAMERA-ID] [--labels a,b]
                [--quiet 22:00-07:00] [--cooldown 5m] [--no-thumbnail]
  rule list USER
  rule remove USER RULE-ID
  test USER CHANNEL-ID [--smtp-addr ... as serve]   (sends a test message now and says what the receiver answered)`

func cmdNotify(ctx context.Context, args []string, e env) error {
	noun, rest, err := subcommand(args, notifyUsage)
	if err != nil {
		return err
	}
	switch noun {
	case "channel":
		return cmdNotifyChannel(ctx, rest, e)
	case "rule":
		return cmdNotifyRule(ctx, rest, e)
	case "test":
		return cmdNotifyTest(ctx, rest, e)
	}
	return usagef("unknown notify command %q\n%s", noun, notifyUsage)
}

func cmdNotifyChannel(ctx context.Context, args []string, e env) error {
	sub, rest, err := subcommand(args, notifyUsage)
	if err != nil {
		return err
	}
	fs, data := adminFlags("notify channel "+sub, e)
	var kind, target, name string
	var secretStdin, allowLocal bool
	if sub == "add" {
		fs.StringVar(&kind, "kind", "", "webhook, ntfy or email (required)")
		fs.StringVar(&target, "target", "", "the webhook URL, the ntfy topic URL or the e-mail address (required)")
		fs.StringVar(&name, "name", "", "a label to recognise the channel by (default: the kind)")
		fs.BoolVar(&secretStdin, "secret-stdin", false, "read the secret (webhook HMAC key, ntfy access token) from standard input")
		fs.BoolVar(&allowLocal, "allow-local", false, "let the target be this appliance or the loopback (an owner's channel never may)")
	}
	pos, err := parseArgs(fs, rest)
	if err != nil {
		return err
	}
	switch sub {
	case "add":
		if err := wantArgs(pos, 1, "hearth notify channel add USER --kind K --target T"); err != nil {
			return err
		}
		k, err := nvr.ParseNotifyChannelKind(kind)
		if err != nil {
			return usagef("--kind: %s", nvr.ErrorMessage(err))
		}
		if k == nvr.ChannelWebPush {
			return usagef("web push channels are made by a browser (the Notifications page), not here")
		}
		if name == "" {
			name = kind
		}
		var secret string
		if secretStdin {
			line, err := bufio.NewReader(io.LimitReader(e.stdin, 4097)).ReadString('\n')
			if err != nil && err != io.EOF {
				return fmt.Errorf("read secret: %w", err)
			}
			if secret = strings.TrimRight(line, "\r\n"); secret == "" {
				return fmt.Errorf("no secret on standard input")
			}
		}
		return withUser(ctx, e, *data, pos[0], func(a *app, u nvr.User) error {
			ch, err := notes(a).AddChannelFor(ctx, a.policy.LocalOperator(), u.ID, nvr.NotifyChannel{Kind: k, Name: name, Target: target,
				Secret: nvr.NewSecret(secret), LocalOK: allowLocal})
			if err != nil {
				return errMessage(err)
			}
			fmt.Fprintf(e.stdout, "%s\n", ch.ID)
			fmt.Fprintf(e.stderr, "%s channel %q added for %s\n", ch.Kind, ch.Name, u.Name)
			return nil
		})
	case "list":
		if err := wantArgs(pos, 1, "hearth notify channel list USER"); err != nil {
			return err
		}
		return withUser(ctx, e, *data, pos[0], func(a *app, u nvr.User) error {
			chs, err := notes(a).ChannelsFor(ctx, a.policy.LocalOperator(), u.ID)
			if err != nil {
				return err
			}
			w := table(e.stdout)
			fmt.Fprintln(w, "ID\tKIND\tNAME\tTARGET\tSECRET\tLOCAL")
			for _, c := range chs {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%v\n", c.ID, c.Kind, oneLine(c.Name), oneLine(c.Target), secretNote(c.Secret), c.LocalOK)
			}
			return w.Flush()
		})
	case "remove":
		if err := wantArgs(pos, 2, "hearth notify channel remove USER CHANNEL-ID"); err != nil {
			return err
		}
		id, err := nvr.ParseNotifyChannelID(pos[1])
		if err != nil {
			return fmt.Errorf("no channel %q", pos[1])
		}
		return withUser(ctx, e, *data, pos[0], func(a *app, u nvr.User) error {
			if err := notes(a).RemoveChannelFor(ctx, a.policy.LocalOperator(), u.ID, id); err != nil {
				return errMessage(err)
			}
			fmt.Fprintf(e.stderr, "channel %s removed\n", id)
			return nil
		})
	}
	return usagef("unknown notify channel command %q\n%s", sub, notifyUsage)
}

func secretNote(s nvr.Secret) string {
	if s.IsSet() {
		return "set"
	}
	return "-"
}

func cmdNotifyRule(ctx context.Context, args []string, e env) error {
	sub, rest, err := subcommand(args, notifyUsage)
	if err != nil {
		return err
	}
	fs, data := adminFlags("notify rule "+sub, e)
	var kinds, camera, labels, quiet string
	var cooldown time.Duration
	var noThumb bool
	if sub == "add" {
		fs.StringVar(&kinds, "kinds", "motion,trigger", "comma-separated: motion, trigger, offline, online, stalled, storage-low")
		fs.StringVar(&camera, "camera", "", "only this camera (its ID); default: every camera the user may see")
		fs.StringVar(&labels, "labels", "", "only triggers with these labels (comma-separated)")
		fs.StringVar(&quiet, "quiet", "", "quiet hours, HH:MM-HH:MM in this machine's time zone (e.g. 22:00-07:00)")
		fs.DurationVar(&cooldown, "cooldown", 0, "least time between two motion, or two trigger, messages of this rule for one camera (e.g. 5m); health messages are always sent")
		fs.BoolVar(&noThumb, "no-thumbnail", false, "send no thumbnail")
	}
	pos, err := parseArgs(fs, rest)
	if err != nil {
		return err
	}
	switch sub {
	case "add":
		if err := wantArgs(pos, 1, "hearth notify rule add USER --kinds K,K"); err != nil {
			return err
		}
		r := nvr.NotifyRule{CameraID: nvr.CameraID(camera), Labels: splitList(labels), Cooldown: cooldown, Thumbnail: !noThumb}
		for _, k := range splitList(kinds) {
			nk, err := nvr.ParseNotifyKind(k)
			if err != nil {
				return usagef("--kinds: %s", nvr.ErrorMessage(err))
			}
			r.Kinds = append(r.Kinds, nk)
		}
		if r.QuietStart, r.QuietEnd, err = parseQuiet(quiet); err != nil {
			return err
		}
		return withUser(ctx, e, *data, pos[0], func(a *app, u nvr.User) error {
			saved, err := notes(a).AddRuleFor(ctx, a.policy.LocalOperator(), u.ID, r)
			if nvr.ErrorKind(err) == nvr.KindNotFound && camera != "" {
				return fmt.Errorf("%s may not see camera %q (or there is none)", u.Name, camera)
			}
			if err != nil {
				return errMessage(err)
			}
			fmt.Fprintf(e.stdout, "%s\n", saved.ID)
			return nil
		})
	case "list":
		if err := wantArgs(pos, 1, "hearth notify rule list USER"); err != nil {
			return err
		}
		return withUser(ctx, e, *data, pos[0], func(a *app, u nvr.User) error {
			rules, err := notes(a).RulesFor(ctx, a.policy.LocalOperator(), u.ID)
			if err != nil {
				return err
			}
			w := table(e.stdout)
			fmt.Fprintln(w, "ID\tCAMERA\tKINDS\tLABELS\tQUIET\tCOOLDOWN\tTHUMBNAIL")
			for _, r := range rules {
				cam := string(r.CameraID)
				if cam == "" {
					cam = "every camera"
				}
				var ks []string
				for _, k := range r.Kinds {
					ks = append(ks, string(k))
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%v\t%v\n", r.ID, cam, strings.Join(ks, ","),
					oneLine(strings.Join(r.Labels, ",")), formatQuiet(r.QuietStart, r.QuietEnd), r.Cooldown, r.Thumbnail)
			}
			return w.Flush()
		})
	case "remove":
		if err := wantArgs(pos, 2, "hearth notify rule remove USER RULE-ID"); err != nil {
			return err
		}
		id, err := nvr.ParseNotifyRuleID(pos[1])
		if err != nil {
			return fmt.Errorf("no rule %q", pos[1])
		}
		return withUser(ctx, e, *data, pos[0], func(a *app, u nvr.User) error {
			if err := notes(a).RemoveRuleFor(ctx, a.policy.LocalOperator(), u.ID, id); err != nil {
				return errMessage(err)
			}
			fmt.Fprintf(e.stderr, "rule %s removed\n", id)
			return nil
		})
	}
	return usagef("unknown notify rule command %q\n%s", sub, notifyUsage)
}

func cmdNotifyTest(ctx context.Context, args []string, e env) error {
	fs, data := adminFlags("notify test", e)
	o := defaultNotifyOptions()
	addNotifyFlags(fs, &o)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 2, "hearth notify test USER CHANNEL-ID"); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	id, err := nvr.ParseNotifyChannelID(pos[1])
	if err != nil {
		return fmt.Errorf("no channel %q", pos[1])
	}
	smtp, err := o.smtp()
	if err != nil {
		return err
	}
	return withUser(ctx, e, *data, pos[0], func(a *app, u nvr.User) error {
		svc := notify.New(notify.Config{Store: a.store, Policy: a.policy, SMTP: smtp, BaseURL: strings.TrimSuffix(o.BaseURL, "/")})
		if err := svc.Test(ctx, u.ID, id); err != nil {
			return errMessage(err)
		}
		fmt.Fprintf(e.stderr, "test message sent to channel %s\n", id)
		return nil
	})
}

func notes(a *app) *nvr.Notifications { return nvr.NewNotifications(a.store, a.policy, nil, nil) }

// parseQuiet reads "HH:MM-HH:MM" as minutes after midnight; "" is none.
func parseQuiet(s string) (start, end int, err error) {
	if s == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(s, "-")
	t1, err1 := time.Parse("15:04", a)
	t2, err2 := time.Parse("15:04", b)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, usagef("--quiet %q: want HH:MM-HH:MM, e.g. 22:00-07:00", s)
	}
	return t1.Hour()*60 + t1.Minute(), t2.Hour()*60 + t2.Minute(), nil
}

func formatQuiet(start, end int) string {
	if start == end {
		return "-"
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d", start/60, start%60, end/60, end%60)
}
