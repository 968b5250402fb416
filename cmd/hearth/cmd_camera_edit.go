package main

import (
	"context"
	"fmt"

	"github.com/hearthnvr/hearth/nvr"
)

// cameraEdit is `hearth camera edit`.
func cameraEdit(ctx context.Context, args []string, e env) error {
	fs, data := adminFlags("camera edit", e)
	var rtspUser string
	fs.String("name", "", "new name")
	fs.String("main", "", "new main stream URL")
	fs.String("sub", "", `new sub stream URL ("" removes it)`)
	fs.String("transport", "", "tcp, udp or auto")
	fs.StringVar(&rtspUser, "rtsp-user", "", "new camera user name (password from stdin or prompt)")
	fs.Bool("enable", false, "enable the camera")
	fs.Bool("disable", false, "disable the camera (stop recording and live view)")
	fs.String("events", "", "on, or off: no detection and external triggers refused")
	fs.String("motion", "", "motion detector: auto, bitstream, pixel or off")
	fs.Int("motion-sensitivity", 0, "motion sensitivity, 1 (large changes only) to 100")
	fs.String("record", "", "what to record: continuous, events (pre roll + event + post roll) or off")
	fs.String("pre-roll", "", "footage kept before an event, e.g. 5s (0 to 5m)")
	fs.String("post-roll", "", "footage kept after an event, e.g. 10s (0 to 5m)")
	fs.String("retain-continuous-days", "", "days of continuous footage kept (1-3650)")
	fs.String("retain-events-days", "", "days of event footage kept (1-3650)")
	fs.String("onvif", "", `the camera's ONVIF address, http://ADDR[:PORT], on the main stream's host ("" removes it)`)
	fs.String("event-source", "", "which events count: hearth (Hearth's motion detector), camera (the camera's own, over ONVIF) or both")
	fs.String("zones", "", `motion zones and masks (pixel detector), JSON: [{"name":..., "mask":true|false, "polygon":[[x,y],...]}] in 0..1 coordinates; "[]" clears`)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := refuseURLPasswords(fs); err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "hearth camera edit CAMERA-ID [flags]"); err != nil {
		return err
	}
	ch, err := cameraChanges(fs)
	if err != nil {
		return err
	}
	if ch.MainURL != nil || ch.SubURL != nil {
		localOK := true // URLs from the appliance admin
		ch.LocalOK = &localOK
	}
	return withCamera(ctx, e, *data, pos[0], func(a *app, old nvr.Camera) error {
		if rtspUser != "" {
			pw, err := readPassword(e, "camera password for "+rtspUser)
			if err != nil {
				return err
			}
			secret := nvr.NewSecret(pw)
			ch.Username, ch.Password = &rtspUser, &secret
		}
		c, err := a.operator().EditCamera(ctx, old.ID, ch)
		if err != nil {
			return errMessage(err)
		}
		fmt.Fprintf(e.stdout, "camera %s %q updated (%s)\n", c.ID, c.Name, credentialNote(c))
		printNotices(e, nvr.CredentialNotices(old, c))
		return nil
	})
}
