package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/hearthnvr/hearth/nvr/offsite"
)

// TestOffsiteRestoreRefuses: bad command lines exit 2 with the usage; a
// missing key file, a key that is not the household's and a source
// without footage exit 1 with one line saying so, and nothing secret.
func TestOffsiteRestoreRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keyA, err := offsite.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	keyB, err := offsite.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	fileB := filepath.Join(dir, "b.key")
	if err := os.WriteFile(fileB, []byte(keyB.RecoveryFile()), 0o600); err != nil {
		t.Fatal(err)
	}
	// A copy encrypted to A.
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(filepath.Join(src, "cam", "seg"), 0o755); err != nil {
		t.Fatal(err)
	}
	r, err := age.ParseX25519Recipient(keyA.Recipient)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte("ftyp"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "cam", "seg", "init.mp4.age"), buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no key flag", []string{"offsite", "restore", src, filepath.Join(dir, "d1")}, 2, "--key"},
		{"one path", []string{"offsite", "restore", "--key", fileB, src}, 2, "usage"},
		{"missing key file", []string{"offsite", "restore", "--key", filepath.Join(dir, "nope"), src, filepath.Join(dir, "d2")}, 1, "key file"},
		{"another household's key", []string{"offsite", "restore", "--key", fileB, src, filepath.Join(dir, "d3")}, 1, "encrypted for another key passed over"},
		{"no footage", []string{"offsite", "restore", "--key", fileB, empty, filepath.Join(dir, "d4")}, 1, "no footage"},
		{"unknown command", []string{"offsite", "sync"}, 2, "unknown offsite command"},
	}
	for _, tc := range cases {
		_, errs, code := cli(t, "", tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%s: exit %d, %q; want %d with %q", tc.name, code, errs, tc.code, tc.want)
		}
		if strings.Contains(errs, "AGE-SECRET-KEY") {
			t.Errorf("%s: the key is in the message", tc.name)
		}
	}
}
