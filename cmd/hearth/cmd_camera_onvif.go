package main

import (
	"context"
	"fmt"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/onvifprobe"
)

// onvifStreams probes the ONVIF device at addr with the operator's grant
// and returns its main and sub stream URLs, after printing what it found
// (vendor, model, each chosen stream's codec and resolution) so the
// operator sees it before the camera is saved. Credentials were given for
// the device's host: a device that reports its streams on another host is
// refused rather than handed them. sameHost tells whether the main stream
// is on the device's host (its ONVIF address may then be kept).
func onvifStreams(ctx context.Context, a *app, e env, addr, user, pw string) (mainURL, subURL string, sameHost bool, err error) {
	g := a.policy.LocalOperator().OperatorProbe()
	res, err := onvifprobe.Prober{}.Probe(ctx, g, onvifprobe.Request{Address: addr, Username: user, Password: pw})
	if err != nil {
		return "", "", false, errMessage(err)
	}
	if !res.CredentialsOK {
		if user == "" {
			return "", "", false, fmt.Errorf("onvif: the camera wants credentials: give --rtsp-user (password on stdin)")
		}
		return "", "", false, fmt.Errorf("onvif: the camera refused the credentials for %s", user)
	}
	fmt.Fprintf(e.stdout, "onvif: %s %s (firmware %s), %d video profiles\n", res.Manufacturer, res.Model, res.Firmware, len(res.Streams))
	for _, s := range []struct {
		role string
		st   *onvifprobe.Stream
	}{{"main", res.Main}, {"sub", res.Sub}} {
		if s.st == nil {
			continue
		}
		if s.st.OtherHost && user != "" {
			return "", "", false, fmt.Errorf("onvif: the camera reports its %s stream on another host (%s); the credentials are for %s only: "+
				"add it with --main/--sub and the credentials of that host", s.role, nvr.RedactURL(s.st.URL), addr)
		}
		fmt.Fprintf(e.stdout, "onvif: %s: profile %q %s %dx%d %s\n", s.role, s.st.Name, s.st.Encoding, s.st.Width, s.st.Height, nvr.RedactURL(s.st.URL))
	}
	mainURL = res.Main.URL
	if res.Sub != nil {
		subURL = res.Sub.URL
	}
	return mainURL, subURL, !res.Main.OtherHost, nil
}

// cameraDiscover is `hearth camera discover`: a WS-Discovery scan, the
// appliance admin's (here the local operator's) alone.
func cameraDiscover(ctx context.Context, args []string, e env) error {
	fs, data := adminFlags("camera discover", e)
	target := fs.String("target", "", "probe one device at HOST:PORT (unicast) instead of multicast on the LAN")
	wait := fs.Duration("wait", 3*time.Second, "how long to collect answers (at most 10s)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("camera discover takes no arguments")
	}
	if *wait <= 0 || *wait > 10*time.Second {
		return usagef("--wait must be more than 0 and at most 10s")
	}
	return withApp(ctx, e, *data, func(a *app) error {
		found, err := onvifprobe.Discover(ctx, a.policy.LocalOperator().OperatorDiscover(), *target, *wait)
		if err != nil {
			return errMessage(err)
		}
		for _, f := range found {
			fmt.Fprintf(e.stdout, "device %s %q %q %s\n", f.Address, f.Name, f.Hardware, f.Endpoint)
		}
		switch len(found) {
		case 0:
			fmt.Fprintln(e.stdout, "0 devices: no camera answered; check that it is on this network with ONVIF switched on, or try --wait 10s or --target HOST:PORT")
		case 1:
			fmt.Fprintln(e.stdout, "1 device")
		default:
			fmt.Fprintf(e.stdout, "%d devices\n", len(found))
		}
		return nil
	})
}
