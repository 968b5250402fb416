package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/offsite"
)

const offsiteUsage = `hearth offsite <command> [--data DIR]
  set HOUSEHOLD (--dir PATH | --sftp USER@HOST:PORT --path DIR)
      (--recipient age1… | --new-key FILE) [--continuous]
      copies the household's event footage (and with --continuous all of
      it), encrypted to the household's key, to PATH (a NAS mount, a USB
      disk) or to DIR on an SFTP server (its host key is pinned on the
      first connection; the line to add to its authorized_keys is printed);
      --new-key makes the key and writes its recovery file to FILE (never
      kept on the appliance: move it off, keep it safe)
  show HOUSEHOLD
  remove HOUSEHOLD
  restore --key FILE SRC DEST
      rebuilds playable MP4s (and their time index) from a copy at SRC`

// cmdOffsite manages the households' off-site copies (nvr.Offsite) as the
// local operator, and restores a copy.
func cmdOffsite(ctx context.Context, args []string, e env) error {
	sub, rest, err := subcommand(args, offsiteUsage)
	if err != nil {
		return err
	}
	switch sub {
	case "set":
		return cmdOffsiteSet(ctx, rest, e)
	case "show":
		return cmdOffsiteShow(ctx, rest, e)
	case "remove":
		return cmdOffsiteRemove(ctx, rest, e)
	case "restore":
		return cmdOffsiteRestore(rest, e)
	}
	return usagef("unknown offsite command %q\nusage: %s", sub, offsiteUsage)
}

// offsiteGrant is the local operator's grant over household ref's copy.
func offsiteGrant(ctx context.Context, a *app, ref string) (nvr.OffsiteGrant, nvr.Household, error) {
	h, err := householdRef(ctx, a, ref)
	if err != nil {
		return nvr.OffsiteGrant{}, h, err
	}
	g, err := a.policy.OffsiteOperator(a.policy.LocalOperator(), h.ID)
	return g, h, err
}

func cmdOffsiteSet(ctx context.Context, args []string, e env) error {
	fs, data := adminFlags("offsite set", e)
	dir := fs.String("dir", "", "target directory (absolute path)")
	sftpAt := fs.String("sftp", "", "SFTP target: USER@HOST:PORT")
	sftpPath := fs.String("path", "", "the directory on the SFTP server")
	recipient := fs.String("recipient", "", "the household's age public key (age1…)")
	newKey := fs.String("new-key", "", "make a new household key and write its recovery file here (must not exist)")
	continuous := fs.Bool("continuous", false, "copy continuous footage too, not only events")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	const usage = "hearth offsite set HOUSEHOLD (--dir PATH | --sftp USER@HOST:PORT --path DIR) (--recipient age1… | --new-key FILE) [--continuous]"
	if err := wantArgs(pos, 1, usage); err != nil {
		return err
	}
	if (*dir == "") == (*sftpAt == "") {
		return usagef("offsite set needs one of --dir and --sftp\nusage: %s", usage)
	}
	t := nvr.OffsiteTarget{Kind: nvr.OffsiteDir, Path: *dir, Recipient: *recipient, Continuous: *continuous}
	var sshKey offsite.SSHKey
	if *sftpAt != "" {
		user, addr, ok := strings.Cut(*sftpAt, "@")
		if !ok || user == "" || addr == "" || *sftpPath == "" {
			return usagef("--sftp wants USER@HOST:PORT and --path DIR\nusage: %s", usage)
		}
		var err error
		if sshKey, err = offsite.GenerateSSHKey(); err != nil {
			return err
		}
		t = nvr.OffsiteTarget{Kind: nvr.OffsiteSFTP, Path: *sftpPath, SFTPUser: user, SFTPAddr: addr,
			SFTPKey: sshKey.Private, Recipient: *recipient, Continuous: *continuous}
	}
	if (*recipient == "") == (*newKey == "") {
		return usagef("offsite set needs one of --recipient and --new-key\nusage: %s", usage)
	}
	return withApp(ctx, e, *data, func(a *app) error {
		g, h, err := offsiteGrant(ctx, a, pos[0])
		if err != nil {
			return errMessage(err)
		}
		var key offsite.HouseholdKey
		if *newKey != "" {
			if key, err = offsite.GenerateKey(); err != nil {
				return err
			}
			t.Recipient = key.Recipient
			check := t
			check.Household = h.ID
			if err := nvr.ValidateOffsiteTarget(check); err != nil {
				return errMessage(err)
			}
			// The recovery file first: a target set with a key nobody
			// holds would copy footage no one can read.
			if err := writeKeyFile(*newKey, key.RecoveryFile()); err != nil {
				return err
			}
		}
		if err := a.offsite().Set(ctx, g, t); err != nil {
			if *newKey != "" {
				_ = os.Remove(*newKey)
			}
			return errMessage(err)
		}
		fmt.Fprintf(e.stdout, "off-site copy of household %q: %s, encrypted to %s\n", h.Name, t.Path, t.Recipient)
		if t.Kind == nvr.OffsiteSFTP {
			// The public half only: the private key stays in the database.
			fmt.Fprintf(e.stdout, "add this line to %s's ~/.ssh/authorized_keys on %s:\n%s\n", t.SFTPUser, t.SFTPAddr, sshKey.Authorized)
		}
		if *newKey != "" {
			fmt.Fprintf(e.stdout, "recovery key written to %s: move it off this appliance now; without it the copy cannot be read\n", *newKey)
		}
		return nil
	})
}

// writeKeyFile writes a recovery file readable by its owner only, never
// over an existing file.
func writeKeyFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("recovery key file: %w", err)
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("recovery key file: %w", err)
	}
	return nil
}

func cmdOffsiteShow(ctx context.Context, args []string, e env) error {
	fs, data := adminFlags("offsite show", e)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "hearth offsite show HOUSEHOLD"); err != nil {
		return err
	}
	return withApp(ctx, e, *data, func(a *app) error {
		g, h, err := offsiteGrant(ctx, a, pos[0])
		if err != nil {
			return errMessage(err)
		}
		t, err := a.offsite().Target(ctx, g)
		if errors.Is(err, nvr.ErrNotFound) {
			fmt.Fprintf(e.stdout, "household %q has no off-site copy\n", h.Name)
			return nil
		}
		if err != nil {
			return errMessage(err)
		}
		what := "event footage"
		if t.Continuous {
			what = "all footage"
		}
		where := t.Path
		if t.Kind == nvr.OffsiteSFTP {
			where = fmt.Sprintf("sftp://%s@%s%s (host key %s)", t.SFTPUser, t.SFTPAddr, t.Path, orNone(t.SFTPHostKey))
		}
		fmt.Fprintf(e.stdout, "household %q: %s to %s, encrypted to %s\n", h.Name, what, where, t.Recipient)
		return nil
	})
}

func orNone(s string) string {
	if s == "" {
		return "not pinned yet"
	}
	return strings.Fields(s)[0] + " pinned"
}

func cmdOffsiteRemove(ctx context.Context, args []string, e env) error {
	fs, data := adminFlags("offsite remove", e)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "hearth offsite remove HOUSEHOLD"); err != nil {
		return err
	}
	return withApp(ctx, e, *data, func(a *app) error {
		g, h, err := offsiteGrant(ctx, a, pos[0])
		if err != nil {
			return errMessage(err)
		}
		if err := a.offsite().Remove(ctx, g); err != nil {
			return errMessage(err)
		}
		fmt.Fprintf(e.stdout, "off-site copy of household %q removed (files on the target stay)\n", h.Name)
		return nil
	})
}

func cmdOffsiteRestore(args []string, e env) error {
	fs := newFlags("offsite restore", e)
	keyFile := fs.String("key", "", "the household's recovery key file (required)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	const usage = "hearth offsite restore --key FILE SRC DEST"
	if err := wantArgs(pos, 2, usage); err != nil {
		return err
	}
	if *keyFile == "" {
		return usagef("offsite restore needs --key\nusage: %s", usage)
	}
	ids, err := offsite.ReadIdentities(*keyFile)
	if err != nil {
		return err
	}
	got, err := offsite.Restore(ids, pos[0], pos[1])
	for _, s := range got.Segments {
		fmt.Fprintf(e.stdout, "%s\t%d fragments\t%s – %s\n", s.File, s.Fragments, s.Start.UTC().Format("2006-01-02T15:04:05Z"), s.End.UTC().Format("2006-01-02T15:04:05Z"))
	}
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	other := ""
	if got.OtherKeys > 0 {
		other = fmt.Sprintf(" (%s encrypted for another key passed over: another household's, or an earlier key of this one)", checkPlural(got.OtherKeys, "segment"))
	}
	if len(got.Segments) == 0 {
		return fmt.Errorf("restore: no footage for this key under %s%s", pos[0], other)
	}
	fmt.Fprintf(e.stdout, "%d segments restored under %s%s\n", len(got.Segments), pos[1], other)
	return nil
}
