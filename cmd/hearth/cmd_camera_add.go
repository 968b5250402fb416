package main

import (
	"context"
	"fmt"

	"github.com/hearthnvr/hearth/nvr"
)

// cameraAdd is `hearth camera add`.
func cameraAdd(ctx context.Context, args []string, e env) error {
	fs, data := adminFlags("camera add", e)
	var household, mainURL, subURL, transport, rtspUser, onvifAddr, eventSource string
	fs.StringVar(&household, "household", "", "household name or public ID (required)")
	fs.StringVar(&mainURL, "main", "", "main stream URL, rtsp:// or rtsps:// (required)")
	fs.StringVar(&subURL, "sub", "", "optional lower-resolution stream URL")
	fs.StringVar(&transport, "transport", "tcp", "RTSP transport: tcp, udp or auto")
	fs.StringVar(&rtspUser, "rtsp-user", "", "camera user name (password from stdin or prompt)")
	fs.StringVar(&eventSource, "event-source", "", "which events count: hearth (default), camera (its own, over ONVIF; needs --onvif) or both")
	fs.StringVar(&onvifAddr, "onvif", "", "find the streams over ONVIF at http://ADDR[:PORT] instead of --main/--sub")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := refuseURLPasswords(fs); err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "hearth camera add NAME --household H --main URL"); err != nil {
		return err
	}
	if onvifAddr != "" && (mainURL != "" || subURL != "") {
		return usagef("--onvif finds the streams itself: give it without --main and --sub")
	}
	if household == "" || mainURL == "" && onvifAddr == "" {
		return usagef("camera add needs --household and --main (or --onvif)")
	}
	src, err := nvr.ParseEventSource(eventSource)
	if err != nil {
		return usagef("--event-source must be hearth, camera or both")
	}
	tr, err := nvr.ParseTransport(transport)
	if err != nil {
		return usagef("--transport: %s", nvr.ErrorMessage(err))
	}
	return withApp(ctx, e, *data, func(a *app) error {
		h, err := householdRef(ctx, a, household)
		if err != nil {
			return err
		}
		// The appliance admin's camera may reach this appliance (LocalOK).
		nc := nvr.NewCamera{HouseholdID: h.ID, Name: pos[0], MainURL: mainURL, SubURL: subURL, Transport: tr,
			LocalOK: true, EventSource: src}
		var pw string
		if rtspUser != "" {
			if pw, err = readPassword(e, "camera password for "+rtspUser); err != nil {
				return err
			}
			nc.Username, nc.Password = rtspUser, nvr.NewSecret(pw)
		}
		if onvifAddr != "" {
			var sameHost bool
			if nc.MainURL, nc.SubURL, sameHost, err = onvifStreams(ctx, a, e, onvifAddr, rtspUser, pw); err != nil {
				return err
			}
			if sameHost { // kept for the camera's events and PTZ
				nc.ONVIFURL = onvifAddr
			}
		}
		c, err := a.operator().AddCamera(ctx, nc)
		if err != nil {
			return errMessage(err)
		}
		fmt.Fprintf(e.stdout, "camera %s %q added to household %s %q (%s)\n", c.ID, c.Name, h.PublicID, h.Name, credentialNote(c))
		printNotices(e, nvr.CredentialNotices(nvr.Camera{}, c))
		return nil
	})
}
