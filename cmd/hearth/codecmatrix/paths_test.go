package codecmatrix

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4/codecs"
	"github.com/coder/websocket"

	"github.com/hearthnvr/hearth/streams/webrtc/webrtctest"
)

// clip fetches clip.mp4 of [from, to] and has ffmpeg decode every stream
// of it: the video and, when the camera has audio, the audio.
func (c *client) clip(t *testing.T, cl *cell, from, to time.Time, ffprobe, ffmpeg string) (string, error) {
	q := url.Values{"start": {from.UTC().Format(time.RFC3339Nano)}, "end": {to.UTC().Format(time.RFC3339Nano)}}
	resp, err := c.hc.Get(c.base + "/api/cameras/" + cl.id + "/clip.mp4?" + q.Encode())
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("clip.mp4: %d %s", resp.StatusCode, b)
	}
	path := filepath.Join(t.TempDir(), "clip.mp4")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, ffprobe, "-v", "error", "-count_frames",
		"-show_entries", "stream=codec_type,codec_name,nb_read_frames", "-of", "json", path).Output()
	if err != nil {
		return "", fmt.Errorf("ffprobe: %w", err)
	}
	var v struct {
		Streams []struct {
			Type   string `json:"codec_type"`
			Name   string `json:"codec_name"`
			Frames string `json:"nb_read_frames"`
		}
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return "", fmt.Errorf("ffprobe: %w: %s", err, out)
	}
	want := map[string]string{"video": ffName[cl.video]}
	if cl.audio != "" {
		want["audio"] = ffName[cl.audio]
	}
	got := map[string]string{}
	for _, s := range v.Streams {
		if s.Frames == "" || s.Frames == "0" {
			return "", fmt.Errorf("ffprobe decoded no %s frames of %s", s.Type, s.Name)
		}
		got[s.Type] = s.Name
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		return "", fmt.Errorf("streams %v, want %v", got, want)
	}
	// The whole file decodes: ffmpeg exits 0 with every stream mapped.
	if out, err := exec.CommandContext(ctx, ffmpeg, "-v", "error", "-i", path, "-map", "0", "-f", "null", "-").CombinedOutput(); err != nil {
		return "", fmt.Errorf("ffmpeg decode: %v: %s", err, out)
	}
	return "", nil
}

// whep opens a WebRTC session (live, or playback from start) with a pion
// client offering audio, and checks pictures of the camera's codec and
// the audio WebRTC carries; for audio it does not carry, the answer's note
// (what the UI shows) must say so.
func (c *client) whep(cl *cell, start string) (string, error) {
	wc, err := webrtctest.New(webrtctest.Options{Audio: true})
	if err != nil {
		return "", err
	}
	defer wc.Close()
	offer, err := wc.Offer()
	if err != nil {
		return "", err
	}
	u := c.base + "/api/cameras/" + cl.id + "/whep"
	if start != "" {
		u += "?start=" + url.QueryEscape(start)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var p webrtctest.Posted
	// Live answers 503 until the camera streams.
	for {
		if p, err = wc.Post(ctx, c.hc, u, c.cookies(), offer); err != nil {
			return "", err
		}
		if p.Status != http.StatusServiceUnavailable || ctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if p.Status != http.StatusCreated {
		return "", fmt.Errorf("whep: %d %s", p.Status, strings.TrimSpace(p.Body))
	}
	defer func() {
		req, _ := http.NewRequest(http.MethodDelete, c.base+p.Location, nil)
		if resp, err := c.hc.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	if err := wc.WaitFrames(5, 30*time.Second); err != nil {
		return "", fmt.Errorf("video: %w (stats %+v)", err, wc.Stats())
	}
	wantVideo := map[string]string{"h264": "video/H264", "h265": "video/H265"}[cl.video]
	if st := wc.Stats(); !strings.EqualFold(st.VideoCodec, wantVideo) || st.Keyframes == 0 {
		return "", fmt.Errorf("video %s with %d keyframes, want %s", st.VideoCodec, st.Keyframes, wantVideo)
	}
	note := p.Header.Get("Hearth-Audio-Note")
	switch want := webrtcAudio[cl.audio]; {
	case cl.audio == "":
		return "", nil
	case want == "":
		// Not carried: the UI's note must say so in words.
		if !strings.Contains(note, strings.ToUpper(cl.audio)) {
			return "", fmt.Errorf("%s audio not sent and the note says %q", cl.audio, note)
		}
		if n := wc.Stats().Audio; n != 0 {
			return "", fmt.Errorf("%d audio packets of a codec WebRTC does not carry", n)
		}
		return "(video; note: " + note + ")", nil
	default:
		if err := wc.WaitAudio(10, 30*time.Second); err != nil {
			return "", fmt.Errorf("audio (note %q): %w", note, err)
		}
		if st := wc.Stats(); !strings.EqualFold(st.AudioCodec, want) {
			return "", fmt.Errorf("audio %s, want %s", st.AudioCodec, want)
		}
		return "", nil
	}
}

// mse opens the live MSE WebSocket and checks the hello's codecs, the init
// segment's tracks and two fragments.
func (c *client) mse(cl *cell) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws := "ws" + strings.TrimPrefix(c.base, "http") + "/api/cameras/" + cl.id + "/mse"
	var conn *websocket.Conn
	for {
		var resp *http.Response
		var err error
		conn, resp, err = websocket.Dial(ctx, ws, &websocket.DialOptions{HTTPHeader: c.cookies()})
		if err == nil {
			break
		}
		if resp == nil || resp.StatusCode != http.StatusServiceUnavailable || ctx.Err() != nil {
			return "", fmt.Errorf("dial: %w", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(16 << 20)
	_, p, err := conn.Read(ctx)
	if err != nil {
		return "", fmt.Errorf("hello: %w", err)
	}
	var hello struct {
		Codec  string `json:"codec"`
		Audio  string `json:"audio"`
		Note   string `json:"audioNote"`
		Camera string `json:"camera"`
	}
	if err := json.Unmarshal(p, &hello); err != nil {
		return "", fmt.Errorf("hello %s: %w", p, err)
	}
	prefix := map[string]string{"h264": "avc1.", "h265": "hvc1."}[cl.video]
	if !strings.HasPrefix(hello.Codec, prefix) {
		return "", fmt.Errorf("hello %s: want a %s codec", p, prefix)
	}
	if _, p, err = conn.Read(ctx); err != nil {
		return "", fmt.Errorf("init: %w", err)
	}
	var in fmp4.Init
	if err := in.Unmarshal(bytes.NewReader(p)); err != nil {
		return "", fmt.Errorf("init: %w", err)
	}
	var kinds []string
	for _, tr := range in.Tracks {
		switch tr.Codec.(type) {
		case *codecs.H264, *codecs.H265:
			kinds = append(kinds, "video")
		case *codecs.MPEG4Audio:
			kinds = append(kinds, "aac")
		case *codecs.Opus:
			kinds = append(kinds, "opus")
		default:
			kinds = append(kinds, fmt.Sprintf("%T", tr.Codec))
		}
	}
	for i := range 2 {
		if _, p, err = conn.Read(ctx); err != nil {
			return "", fmt.Errorf("fragment %d: %w", i, err)
		}
		var parts fmp4.Parts
		if err := parts.Unmarshal(p); err != nil {
			return "", fmt.Errorf("fragment %d: %w", i, err)
		}
	}
	conn.Close(websocket.StatusNormalClosure, "")
	// MSE carries what browsers decode in MP4 (AAC, Opus); for G.711 the
	// hello's note (what the player shows) must say why it is not heard.
	want := "[video]"
	switch cl.audio {
	case "aac", "opus":
		want = "[video " + cl.audio + "]"
		if !strings.Contains(hello.Codec, ",") {
			return "", fmt.Errorf("hello codec %q names no audio", hello.Codec)
		}
	}
	if got := fmt.Sprint(kinds); got != want {
		return "", fmt.Errorf("init tracks %s, want %s", got, want)
	}
	if cl.audio == "pcmu" || cl.audio == "pcma" {
		if !strings.Contains(hello.Note, "G.711") {
			return "", fmt.Errorf("G.711 audio not carried and the note says %q", hello.Note)
		}
		return "(video; note: " + hello.Note + ")", nil
	}
	return "", nil
}
