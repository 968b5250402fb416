package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// flagSet reports whether flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// cameraShutter is `hearth camera shutter CAMERA-ID [open|close|status]
// [--schedule W]`: the local operator's switch (a.operator(), principal
// "cli" in the audit log, the switch and its row in one transaction). A running server sees it at its next decision: the policy
// reads the shutter from the database every time.
func cameraShutter(ctx context.Context, args []string, e env) error {
	const usage = "hearth camera shutter CAMERA-ID [open|close|status] [--schedule HH:MM-HH:MM|off]"
	fs, data := adminFlags("camera shutter", e)
	schedule := fs.String("schedule", "", "close daily in this window, HH:MM-HH:MM (server's local time), or off")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 2 {
		return usagef("usage: %s", usage)
	}
	var ch nvr.ShutterChange
	verb := "status"
	if len(pos) == 2 {
		verb = pos[1]
	}
	switch verb {
	case "open", "close":
		closed := verb == "close"
		ch.Closed = &closed
	case "status":
	default:
		return usagef("camera shutter: %q is not open, close or status\nusage: %s", verb, usage)
	}
	if flagSet(fs, "schedule") {
		w, err := nvr.ParseDailyWindow(*schedule)
		if err != nil {
			return usagef("--schedule: %s", nvr.ErrorMessage(err))
		}
		ch.Schedule = &w
	}
	return withCamera(ctx, e, *data, pos[0], func(a *app, c nvr.Camera) error {
		sh := c.Shutter
		if ch.Closed != nil || ch.Schedule != nil {
			var err error
			if sh, err = a.operator().SwitchShutter(ctx, c.ID, ch); err != nil {
				return errMessage(err)
			}
		}
		state := "open"
		if sh.ClosedAt(time.Now()) {
			state = "closed"
		}
		sched := sh.Schedule.String()
		if sched == "" {
			sched = "none"
		}
		fmt.Fprintf(e.stdout, "camera %s %q: privacy shutter %s (by hand: %v, schedule: %s, keep recording: %v)\n",
			c.ID, c.Name, state, sh.Closed, sched, sh.KeepRecording)
		return nil
	})
}
