package offsite

import (
	"fmt"
	"io"
	"os"
	"strings"

	"filippo.io/age"
)

// HouseholdKey is a freshly generated household key pair. Identity is the
// private key ("AGE-SECRET-KEY-1…"): it is shown to the owner once and
// never stored on the appliance.
type HouseholdKey struct {
	Identity  string
	Recipient string
}

// GenerateKey returns a new X25519 household key pair.
func GenerateKey() (HouseholdKey, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return HouseholdKey{}, fmt.Errorf("generate household key: %w", err)
	}
	return HouseholdKey{Identity: id.String(), Recipient: id.Recipient().String()}, nil
}

// RecoveryFile is the text of the recovery file handed to the owner: the
// format age-keygen writes, so `age -d -i FILE` reads it.
func (k HouseholdKey) RecoveryFile() string {
	return "# Hearth household recovery key: keep it safe and off this appliance.\n" +
		"# Decrypt any off-site file with: age -d -i THIS-FILE FILE.age\n" +
		"# Rebuild playable footage with: hearth offsite restore --key THIS-FILE SRC DEST\n" +
		"# public key: " + k.Recipient + "\n" + k.Identity + "\n"
}

// ReadIdentities parses an identity file (age-keygen's format).
func ReadIdentities(path string) ([]age.Identity, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open key file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	ids, err := age.ParseIdentities(strings.NewReader(string(b)))
	if err != nil {
		// age's message never quotes the key itself.
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return ids, nil
}

// parseRecipient parses the household's public key.
func parseRecipient(s string) (*age.X25519Recipient, error) {
	r, err := age.ParseX25519Recipient(s)
	if err != nil {
		return nil, fmt.Errorf("household key: %w", err)
	}
	return r, nil
}
