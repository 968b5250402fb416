package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// SMTP security modes.
const (
	SMTPStartTLS = "starttls" // plain connection upgraded with STARTTLS (port 587); required, never skipped
	SMTPTLS      = "tls"      // TLS from the first byte (port 465)
	SMTPPlain    = "none"     // no encryption: only to a relay on the loopback
)

// SMTPConfig is the appliance's mail relay, set by the admin (flags).
type SMTPConfig struct {
	Addr     string // host:port; "": no e-mail
	From     string // the sender address
	Username string // "": no authentication
	Password nvr.Secret
	Security string // SMTPStartTLS (default), SMTPTLS or SMTPPlain
	Timeout  time.Duration
}

// Validate checks the relay settings.
func (c SMTPConfig) Validate() error {
	if c.Addr == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil || host == "" || port == "" {
		return fmt.Errorf("smtp address %q: want host:port", c.Addr)
	}
	if a, err := mail.ParseAddress(c.From); err != nil || a.Name != "" || a.Address != c.From {
		return fmt.Errorf("smtp sender %q: want a plain address (hearth@example.com)", c.From)
	}
	switch c.Security {
	case "", SMTPStartTLS, SMTPTLS:
	case SMTPPlain:
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("smtp security none is only for a relay on this machine (127.0.0.1, ::1, localhost)")
		}
	default:
		return fmt.Errorf("smtp security %q: want starttls, tls or none", c.Security)
	}
	return nil
}

type email struct {
	cfg   SMTPConfig
	roots *x509.CertPool
}

func (e email) send(ctx context.Context, ch nvr.NotifyChannel, m Message) error {
	if e.cfg.Addr == "" {
		return permanent(errors.New("e-mail is not set up on this appliance (serve --smtp-addr)"))
	}
	to, err := mail.ParseAddress(ch.Target)
	if err != nil {
		return permanent(fmt.Errorf("recipient: %w", err))
	}
	msg, err := buildMail(e.cfg.From, to.Address, m, time.Now())
	if err != nil {
		return permanent(err)
	}
	return e.deliver(ctx, to.Address, msg)
}

// relayError is a failure of the appliance's own mail relay (connecting,
// greeting, TLS, sign-in, the sender refused): the appliance's admin
// fixes it, not the household, whose part is the recipient's address.
type relayError struct{ err error }

func (e relayError) Error() string { return e.err.Error() }
func (e relayError) Unwrap() error { return e.err }

func relayFailure(err error) error { return relayError{err: err} }

// deliver speaks SMTP to the relay: TLS or STARTTLS as configured (a relay
// that does not offer STARTTLS is refused, never fallen back from), AUTH
// PLAIN only over TLS, one recipient.
func (e email) deliver(ctx context.Context, to string, msg []byte) error {
	timeout := e.cfg.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	host, _, _ := net.SplitHostPort(e.cfg.Addr)
	tlsCfg := &tls.Config{ServerName: host, RootCAs: e.roots, MinVersion: tls.VersionTLS12}
	d := &net.Dialer{Timeout: timeout}
	var conn net.Conn
	var err error
	if e.cfg.Security == SMTPTLS {
		conn, err = (&tls.Dialer{NetDialer: d, Config: tlsCfg}).DialContext(ctx, "tcp", e.cfg.Addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", e.cfg.Addr)
	}
	if err != nil {
		return relayFailure(fmt.Errorf("smtp connect: %w", err))
	}
	defer conn.Close()
	deadline := time.Now().Add(timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return relayFailure(fmt.Errorf("smtp greeting: %w", err))
	}
	defer c.Close()
	if err := c.Hello("hearth"); err != nil {
		return relayFailure(fmt.Errorf("smtp hello: %w", err))
	}
	if e.cfg.Security == "" || e.cfg.Security == SMTPStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return relayFailure(permanent(errors.New("smtp relay does not offer STARTTLS; refusing to send in clear")))
		}
		if err := c.StartTLS(tlsCfg); err != nil {
			return relayFailure(fmt.Errorf("smtp starttls: %w", err))
		}
	}
	if e.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", e.cfg.Username, e.cfg.Password.Reveal(), host)); err != nil {
			return relayFailure(permanent(fmt.Errorf("smtp auth: %w", err)))
		}
	}
	if err := c.Mail(e.cfg.From); err != nil {
		return relayFailure(smtpErr("smtp mail from", err))
	}
	if err := c.Rcpt(to); err != nil {
		return smtpErr("smtp rcpt to", err)
	}
	w, err := c.Data()
	if err != nil {
		return smtpErr("smtp data", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	if err := w.Close(); err != nil {
		return smtpErr("smtp data", err)
	}
	return c.Quit()
}

// smtpErr marks 5xx answers permanent: the relay refuses this message.
func smtpErr(op string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return permanent(fmt.Errorf("%s: %w", op, err))
	}
	return fmt.Errorf("%s: %w", op, err)
}

// buildMail writes the message: text alone, or, with a thumbnail,
// multipart/related holding an HTML part that shows the picture inline by
// its Content-ID and the JPEG itself (no remote image for a mail client to
// fetch, nothing that depends on reaching the appliance).
func buildMail(from, to string, m Message, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	hdr("From", from)
	hdr("To", to)
	hdr("Subject", mime.QEncoding.Encode("utf-8", oneLine(m.Title)))
	hdr("Date", now.Format(time.RFC1123Z))
	hdr("Message-ID", "<"+randHex(16)+"@hearth>")
	hdr("MIME-Version", "1.0")
	hdr("Auto-Submitted", "auto-generated")
	if m.CameraID != "" {
		hdr("X-Hearth-Camera", string(m.CameraID))
	}
	if m.EventID != "" {
		hdr("X-Hearth-Event", string(m.EventID))
	}
	text := m.Body
	if m.URL != "" {
		text += "\r\n\r\n" + m.URL
	}
	if m.Thumb == nil {
		hdr("Content-Type", "text/plain; charset=utf-8")
		hdr("Content-Transfer-Encoding", "base64")
		b.WriteString("\r\n")
		writeBase64(&b, []byte(text+"\r\n"))
		return b.Bytes(), nil
	}
	mw := multipart.NewWriter(&b)
	hdr("Content-Type", `multipart/related; type="text/html"; boundary=`+mw.Boundary())
	b.WriteString("\r\n")
	cid := "thumb-" + randHex(8) + "@hearth"
	page := "<!doctype html><html><body><p><strong>" + html.EscapeString(m.Title) + "</strong><br>" +
		html.EscapeString(m.Body) + "</p>"
	if m.URL != "" {
		page += `<p><a href="` + html.EscapeString(m.URL) + `">Open in Hearth</a></p>`
	}
	page += `<p><img src="cid:` + cid + `" alt="Thumbnail of ` + html.EscapeString(m.CameraName) + `" width="640"></p></body></html>`
	pw, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {"text/html; charset=utf-8"},
		"Content-Transfer-Encoding": {"base64"},
	})
	if err != nil {
		return nil, fmt.Errorf("build mail: %w", err)
	}
	writeBase64(pw, []byte(page))
	iw, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {`image/jpeg; name="thumbnail.jpg"`},
		"Content-Transfer-Encoding": {"base64"},
		"Content-ID":                {"<" + cid + ">"},
		"Content-Disposition":       {`inline; filename="thumbnail.jpg"`},
	})
	if err != nil {
		return nil, fmt.Errorf("build mail: %w", err)
	}
	writeBase64(iw, m.Thumb)
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("build mail: %w", err)
	}
	return b.Bytes(), nil
}

// writeBase64 writes data in base64 lines of 76 characters (RFC 2045).
func writeBase64(w interface{ Write([]byte) (int, error) }, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		_, _ = w.Write([]byte(enc[:76] + "\r\n"))
		enc = enc[76:]
	}
	_, _ = w.Write([]byte(enc + "\r\n"))
}

func oneLine(s string) string { return strings.NewReplacer("\r", " ", "\n", " ").Replace(s) }

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
