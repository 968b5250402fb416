package onvif

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// Profile is one media profile: a video encoder configuration the device
// streams.
type Profile struct {
	Token    string
	Name     string
	Encoding string // H264, H265, JPEG, MPEG4 as the device says
	Width    int
	Height   int
	FPS      int // frame rate limit; 0 when not given
	Bitrate  int // kbit/s limit; 0 when not given
}

type profilesResponse struct {
	Profiles []struct {
		Token   string `xml:"token,attr"`
		Name    string `xml:"Name"`
		Encoder *struct {
			Encoding   string `xml:"Encoding"`
			Resolution struct {
				Width  int `xml:"Width"`
				Height int `xml:"Height"`
			} `xml:"Resolution"`
			RateControl struct {
				FrameRateLimit int `xml:"FrameRateLimit"`
				BitrateLimit   int `xml:"BitrateLimit"`
			} `xml:"RateControl"`
		} `xml:"VideoEncoderConfiguration"`
	} `xml:"Profiles"`
}

// maxProfiles bounds the profiles kept from one answer.
const maxProfiles = 64

// profiles converts a GetProfiles answer, keeping the profiles that have
// a video encoder and a plausible resolution.
func (r profilesResponse) profiles() []Profile {
	var out []Profile
	for _, p := range r.Profiles {
		if len(out) == maxProfiles {
			break
		}
		if p.Encoder == nil || strings.TrimSpace(p.Token) == "" {
			continue
		}
		w, h := p.Encoder.Resolution.Width, p.Encoder.Resolution.Height
		if w <= 0 || h <= 0 || w > 16384 || h > 16384 {
			w, h = 0, 0
		}
		out = append(out, Profile{Token: strings.TrimSpace(p.Token), Name: truncate(strings.TrimSpace(p.Name), 64),
			Encoding: truncate(strings.ToUpper(strings.TrimSpace(p.Encoder.Encoding)), 16), Width: w, Height: h,
			FPS: clampNonNeg(p.Encoder.RateControl.FrameRateLimit, 1000), Bitrate: clampNonNeg(p.Encoder.RateControl.BitrateLimit, 1_000_000)})
	}
	return out
}

func clampNonNeg(v, hi int) int {
	if v < 0 || v > hi {
		return 0
	}
	return v
}

// mediaURL is the media service: the path the device reported, on the
// device's host, else the common default.
func (c *Client) mediaURL() string {
	c.mu.Lock()
	p := c.media
	c.mu.Unlock()
	if p == "" {
		p = "/onvif/media_service"
	}
	return c.serviceURL(p)
}

// Profiles is the media service's GetProfiles: the profiles with video.
func (c *Client) Profiles(ctx context.Context) ([]Profile, error) {
	var r profilesResponse
	if err := c.call(ctx, c.mediaURL(), nsMedia+"/GetProfiles", `<GetProfiles xmlns="`+nsMedia+`"/>`, true, &r); err != nil {
		return nil, err
	}
	return r.profiles(), nil
}

type streamURIResponse struct {
	MediaURI struct {
		URI string `xml:"Uri"`
	} `xml:"MediaUri"`
}

// StreamURI is GetStreamUri for an RTP-over-RTSP unicast stream of profile
// token.
func (c *Client) StreamURI(ctx context.Context, token string) (string, error) {
	var r streamURIResponse
	body := `<GetStreamUri xmlns="` + nsMedia + `"><StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></StreamSetup><ProfileToken>` +
		escape(token) + `</ProfileToken></GetStreamUri>`
	if err := c.call(ctx, c.mediaURL(), nsMedia+"/GetStreamUri", body, true, &r); err != nil {
		return "", err
	}
	u, err := url.Parse(strings.TrimSpace(r.MediaURI.URI))
	if err != nil || (u.Scheme != "rtsp" && u.Scheme != "rtsps") || u.Host == "" {
		return "", fmt.Errorf("GetStreamUri: the answer is not an rtsp:// address")
	}
	// Some devices put credentials into the address; the caller has them
	// apart and must never see them echoed into a URL it may log or show.
	u.User = nil
	return u.String(), nil
}
