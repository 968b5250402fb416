package offsite

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"path"
	"strings"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/hearthnvr/hearth/nvr"
)

// sftpDialTimeout bounds the TCP connect and the SSH handshake.
const sftpDialTimeout = 15 * time.Second

// ErrHostKeyMismatch: the SFTP server's host key is not the one pinned on
// first use. The copy refuses until the owner sets the target again.
var ErrHostKeyMismatch = errors.New("the SFTP server's host key differs from the one pinned on first use: refusing (set the target again if the server really changed)")

// SSHKey is the appliance's SSH client key for one SFTP target. Private
// (OpenSSH PEM) is a secret stored with the target; Authorized is the line
// for the server's authorized_keys.
type SSHKey struct {
	Private    nvr.Secret
	Authorized string
}

// GenerateSSHKey makes an Ed25519 client key.
func GenerateSSHKey() (SSHKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return SSHKey{}, fmt.Errorf("generate ssh key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "hearth offsite")
	if err != nil {
		return SSHKey{}, fmt.Errorf("generate ssh key: %w", err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		return SSHKey{}, fmt.Errorf("generate ssh key: %w", err)
	}
	auth := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp))) + " hearth-offsite"
	return SSHKey{Private: nvr.NewSecret(string(pem.EncodeToMemory(block))), Authorized: auth}, nil
}

// PinFunc pins the host key seen on the first connection to household h's
// target (nvr.Offsite.PinHostKey).
type PinFunc func(ctx context.Context, h nvr.HouseholdID, authorizedKey string) error

// SFTPTarget writes into a directory on an SFTP server.
type SFTPTarget struct {
	root   string
	conn   *ssh.Client
	client *sftp.Client
}

var _ Target = (*SFTPTarget)(nil)

// DialSFTP connects to t's server with t's client key. With no host key
// pinned it accepts the server's and pins it through pin (trust on first
// use); with one pinned, any other key refuses (ErrHostKeyMismatch).
func DialSFTP(ctx context.Context, t nvr.OffsiteTarget, pin PinFunc) (*SFTPTarget, error) {
	signer, err := ssh.ParsePrivateKey([]byte(t.SFTPKey.Reveal()))
	if err != nil {
		// Never wrap the parser's error: keep the key out of messages.
		return nil, errors.New("the target's SSH client key is not usable")
	}
	var pinned ssh.PublicKey
	if t.SFTPHostKey != "" {
		if pinned, _, _, _, err = ssh.ParseAuthorizedKey([]byte(t.SFTPHostKey)); err != nil {
			return nil, fmt.Errorf("pinned host key: %w", err)
		}
	}
	var seen ssh.PublicKey
	cfg := &ssh.ClientConfig{
		User: t.SFTPUser,
		Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			seen = key
			if pinned != nil && (key.Type() != pinned.Type() || !bytes.Equal(key.Marshal(), pinned.Marshal())) {
				return ErrHostKeyMismatch
			}
			return nil
		},
		Timeout: sftpDialTimeout,
	}
	dctx, cancel := context.WithTimeout(ctx, sftpDialTimeout)
	defer cancel()
	nc, err := (&net.Dialer{}).DialContext(dctx, "tcp", t.SFTPAddr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", t.SFTPAddr, err)
	}
	// The handshake has no context: a deadline bounds it, and ctx's end
	// closes the connection.
	_ = nc.SetDeadline(time.Now().Add(sftpDialTimeout))
	stop := context.AfterFunc(dctx, func() { _ = nc.Close() })
	sc, chans, reqs, err := ssh.NewClientConn(nc, t.SFTPAddr, cfg)
	stop()
	if err != nil {
		_ = nc.Close()
		if errors.Is(err, ErrHostKeyMismatch) {
			return nil, ErrHostKeyMismatch
		}
		if (dctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded)) && ctx.Err() == nil {
			return nil, fmt.Errorf("ssh to %s: no answer within %v", t.SFTPAddr, sftpDialTimeout)
		}
		return nil, fmt.Errorf("ssh to %s: %w", t.SFTPAddr, err)
	}
	_ = nc.SetDeadline(time.Time{})
	conn := ssh.NewClient(sc, chans, reqs)
	if pinned == nil {
		line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(seen)))
		if err := pin(ctx, t.Household, line); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("pin host key: %w", err)
		}
	}
	client, err := sftp.NewClient(conn)
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("sftp on %s: %w", t.SFTPAddr, err)
	}
	return &SFTPTarget{root: t.Path, conn: conn, client: client}, nil
}

// Put implements Target: a temporary file, renamed into place when whole
// (posix-rename, so an older copy of the index is replaced atomically).
// A failed write removes the temporary file. ctx's end closes the
// connection, so a hung server never holds the copier.
func (s *SFTPTarget) Put(ctx context.Context, name string, data []byte) error {
	name, err := cleanName(name)
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { _ = s.conn.Close() })
	defer stop()
	abs := path.Join(s.root, name)
	if err := s.client.MkdirAll(path.Dir(abs)); err != nil {
		return fmt.Errorf("target directory: %w", err)
	}
	tmp := abs + ".tmp"
	f, err := s.client.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = s.client.PosixRename(tmp, abs)
	}
	if werr != nil {
		_ = s.client.Remove(tmp)
		return fmt.Errorf("write %s: %w", name, werr)
	}
	return nil
}

// Has implements Target.
func (s *SFTPTarget) Has(ctx context.Context, name string) (bool, error) {
	name, err := cleanName(name)
	if err != nil {
		return false, err
	}
	stop := context.AfterFunc(ctx, func() { _ = s.conn.Close() })
	defer stop()
	_, err = s.client.Stat(path.Join(s.root, name))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look for %s: %w", name, err)
	}
	return true, nil
}

// Close implements Target.
func (s *SFTPTarget) Close() error {
	_ = s.client.Close()
	return s.conn.Close()
}
