package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

const cameraUsage = `hearth camera <command> [--data DIR]
  add NAME --household H --main rtsp://... [--sub rtsp://...] [--transport tcp|udp|auto] [--rtsp-user U]
      (with --rtsp-user the camera password is read from stdin or prompted; a URL with a password in
      it is refused, as every local user can read a command line)
  add NAME --household H --onvif http://ADDR[:PORT] [--rtsp-user U] [--transport T] [--event-source hearth|camera|both]
      (asks the camera over ONVIF for its streams: main is the highest resolution profile, sub the
      lowest; with --rtsp-user the password, read as above, is tried on ONVIF and stored for the streams)
  discover [--target HOST:PORT] [--wait 3s]
      (WS-Discovery: multicast on the LAN, or unicast to one device; prints each device's address)
  list [--household H]
  edit CAMERA-ID [--name N] [--main URL] [--sub URL|""] [--transport T] [--enable|--disable] [--rtsp-user U]
       [--events on|off] [--motion auto|bitstream|pixel|off] [--motion-sensitivity 1-100]
       [--record continuous|events|off] [--pre-roll 5s] [--post-roll 10s]
       [--retain-continuous-days N] [--retain-events-days N] [--onvif http://ADDR|""] [--event-source hearth|camera|both]
       [--zones '[{"name":"drive","polygon":[[0,0.5],[1,0.5],[1,1]]},{"name":"clock","mask":true,"polygon":...}]']
  remove CAMERA-ID
  move CAMERA-ID --household H
  shutter CAMERA-ID [open|close|status] [--schedule HH:MM-HH:MM|off]
      (privacy shutter: while closed nothing of the camera is shown to anyone; the schedule closes it
      daily in the server's local time)`

// cmdCamera runs one camera subcommand; each has its own flags and, when
// it is long, its own file (cmd_camera_*.go).
func cmdCamera(ctx context.Context, args []string, e env) error {
	sub, rest, err := subcommand(args, cameraUsage)
	if err != nil {
		return err
	}
	switch sub {
	case "add":
		return cameraAdd(ctx, rest, e)
	case "list":
		return cameraList(ctx, rest, e)
	case "edit":
		return cameraEdit(ctx, rest, e)
	case "remove":
		return cameraRemove(ctx, rest, e)
	case "move":
		return cameraMove(ctx, rest, e)
	case "shutter":
		return cameraShutter(ctx, rest, e)
	case "discover":
		return cameraDiscover(ctx, rest, e)
	}
	return usagef("unknown camera command %q\nusage: %s", sub, cameraUsage)
}

// cameraList is `hearth camera list`.
func cameraList(ctx context.Context, args []string, e env) error {
	fs, data := adminFlags("camera list", e)
	var household string
	fs.StringVar(&household, "household", "", "only this household (name or public ID)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, "hearth camera list [--household H]"); err != nil {
		return err
	}
	return withApp(ctx, e, *data, func(a *app) error {
		h, err := householdRef(ctx, a, household)
		if err != nil {
			return err
		}
		cs, err := a.store.Cameras(ctx, h.ID)
		if err != nil {
			return err
		}
		hs, err := householdsByID(ctx, a)
		if err != nil {
			return err
		}
		tw := table(e.stdout)
		fmt.Fprintln(tw, "ID\tNAME\tHOUSEHOLD\tMAIN\tSUB\tTRANSPORT\tCREDENTIALS")
		for _, c := range cs {
			sub := c.SubURL
			if sub == "" {
				sub = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, hs[c.HouseholdID].PublicID, c.MainURL, sub, c.Transport, credentialNote(c))
		}
		return tw.Flush()
	})
}

// cameraRemove is `hearth camera remove`.
func cameraRemove(ctx context.Context, args []string, e env) error {
	fs, data := adminFlags("camera remove", e)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "hearth camera remove CAMERA-ID"); err != nil {
		return err
	}
	return withCamera(ctx, e, *data, pos[0], func(a *app, c nvr.Camera) error {
		if err := a.operator().RemoveCamera(ctx, c.ID); err != nil {
			return errMessage(err)
		}
		fmt.Fprintf(e.stdout, "camera %s %q removed\n", c.ID, c.Name)
		return nil
	})
}

// cameraMove is `hearth camera move`.
func cameraMove(ctx context.Context, args []string, e env) error {
	fs, data := adminFlags("camera move", e)
	var household string
	fs.StringVar(&household, "household", "", "destination household name or ID (required)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "hearth camera move CAMERA-ID --household H"); err != nil {
		return err
	}
	if household == "" {
		return usagef("camera move needs --household")
	}
	return withCamera(ctx, e, *data, pos[0], func(a *app, c nvr.Camera) error {
		h, err := householdRef(ctx, a, household)
		if err != nil {
			return err
		}
		if _, err := a.operator().MoveCamera(ctx, c.ID, h.ID); err != nil {
			return errMessage(err)
		}
		fmt.Fprintf(e.stdout, "camera %s %q moved to household %s %q\n", c.ID, c.Name, h.PublicID, h.Name)
		// The footage stays behind, unseen: say so, since moving the camera
		// back does not show it again either (HouseholdSince moves on).
		fmt.Fprintf(e.stdout, "%q sees what the camera records from now on. Its earlier recordings are kept until retention removes them, "+
			"but no household can play them back, and moving the camera back does not change that.\n", h.Name)
		return nil
	})
}

// refuseURLPasswords refuses a password written into the --main or --sub
// URL: every local user can read a command line.
func refuseURLPasswords(fs *flag.FlagSet) error {
	for _, name := range []string{"main", "sub"} {
		if f := fs.Lookup(name); f != nil {
			if err := refuseURLPassword(name, f.Value.String()); err != nil {
				return err
			}
		}
	}
	return nil
}

func withCamera(ctx context.Context, e env, data, ref string, f func(*app, nvr.Camera) error) error {
	id, err := nvr.ParseCameraID(ref)
	if err != nil {
		return fmt.Errorf("camera %q: not found (camera IDs are 32 hex characters; see `hearth camera list`)", ref)
	}
	return withApp(ctx, e, data, func(a *app) error {
		c, err := a.store.Camera(ctx, id)
		if err != nil {
			return fmt.Errorf("camera %s: %w", id, errMessage(err))
		}
		return f(a, c)
	})
}

// refuseURLPassword refuses a stream URL flag with a password in it: a
// command line is readable by every local user (/proc/PID/cmdline, ps)
// and lands in shell history. A URL that does not parse but has an '@' is
// refused the same way, since its password may sit anywhere in it.
func refuseURLPassword(flag, raw string) error {
	u, err := url.Parse(raw)
	hasPassword := err != nil && strings.Contains(raw, "@")
	if err == nil && u.User != nil {
		_, hasPassword = u.User.Password()
	}
	if hasPassword {
		return usagef("--%s: a password in a URL on the command line can be read by every local user; "+
			"give the URL without it and --rtsp-user NAME, then type the password at the prompt or pipe it "+
			"on standard input (printf '%%s\\n' \"$PW\" | hearth camera ... --rtsp-user NAME)", flag)
	}
	return nil
}

// printNotices tells what happened to a camera's credentials.
func printNotices(e env, notices []string) {
	for _, n := range notices {
		fmt.Fprintf(e.stdout, "note: %s\n", n)
	}
}

// credentialNote says whether credentials are stored, never what they are.
func credentialNote(c nvr.Camera) string {
	if c.Username != "" || c.Password.IsSet() {
		return "credentials stored"
	}
	return "no credentials"
}

// cameraChanges collects the edit flags that were given on the command line.
func cameraChanges(fs *flag.FlagSet) (nvr.CameraChanges, error) {
	var ch nvr.CameraChanges
	set := map[string]string{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = f.Value.String() })
	str := func(name string) *string {
		if v, ok := set[name]; ok {
			return &v
		}
		return nil
	}
	ch.Name, ch.MainURL, ch.SubURL = str("name"), str("main"), str("sub")
	if v := str("transport"); v != nil {
		t := nvr.Transport(*v)
		ch.Transport = &t
	}
	if v := str("events"); v != nil {
		if *v != "on" && *v != "off" {
			return ch, usagef("--events must be on or off")
		}
		off := *v == "off"
		ch.NoEvents = &off
	}
	if v := str("motion"); v != nil {
		m, err := nvr.ParseDetectorMode(*v)
		if err != nil || *v == "" {
			return ch, usagef("--motion must be auto, bitstream, pixel or off")
		}
		ch.Detector = &m
	}
	if v := str("motion-sensitivity"); v != nil {
		n, err := strconv.Atoi(*v)
		if err != nil || n < nvr.MinSensitivity || n > nvr.MaxSensitivity {
			return ch, usagef("--motion-sensitivity must be %d to %d", nvr.MinSensitivity, nvr.MaxSensitivity)
		}
		ch.Sensitivity = &n
	}
	if v := str("record"); v != nil {
		m, err := nvr.ParseRecordMode(*v)
		if err != nil || *v == "" {
			return ch, usagef("--record must be continuous, events or off")
		}
		ch.RecordMode = &m
	}
	for _, d := range []struct {
		flag string
		dst  **time.Duration
	}{{"pre-roll", &ch.PreRoll}, {"post-roll", &ch.PostRoll}} {
		if v := str(d.flag); v != nil {
			dur, err := time.ParseDuration(*v)
			if err != nil || dur < 0 {
				return ch, usagef("--%s %q: want a duration such as 5s", d.flag, *v)
			}
			*d.dst = &dur
		}
	}
	for _, d := range []struct {
		flag string
		dst  **time.Duration
	}{{"retain-continuous-days", &ch.RetainContinuous}, {"retain-events-days", &ch.RetainEvents}} {
		if v := str(d.flag); v != nil {
			n, err := strconv.Atoi(*v)
			if err != nil || n < 1 || n > 3650 {
				return ch, usagef("--%s must be 1 to 3650", d.flag)
			}
			days := time.Duration(n) * 24 * time.Hour
			*d.dst = &days
		}
	}
	ch.ONVIFURL = str("onvif")
	if v := str("event-source"); v != nil {
		src, err := nvr.ParseEventSource(*v)
		if err != nil || *v == "" {
			return ch, usagef("--event-source must be hearth, camera or both")
		}
		ch.EventSource = &src
	}
	if v := str("zones"); v != nil {
		zs, err := nvr.Detection{Zones: *v}.ParsedZones()
		if err != nil {
			return ch, usagef("--zones: %s", nvr.ErrorMessage(err))
		}
		if zs == nil {
			zs = []nvr.Zone{}
		}
		ch.Zones = &zs
	}
	_, enable := set["enable"]
	_, disable := set["disable"]
	switch {
	case enable && disable:
		return ch, usagef("--enable and --disable exclude each other")
	case enable || disable:
		ch.Enabled = &enable
	}
	if len(set) == 0 {
		return ch, usagef("camera edit: nothing to change")
	}
	return ch, nil
}
