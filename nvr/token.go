package nvr

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Credential prefixes make a leaked token recognisable (secret scanners,
// logs) and tell the two kinds apart.
const (
	sessionTokenPrefix = "hs_"
	apiTokenPrefix     = "hth_"
)

// newSecretToken returns prefix + 256 random bits in base64url.
func newSecretToken(prefix string) string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// HashToken returns the value stored for a session or API token. A plain
// SHA-256 suffices: the token carries 256 random bits, so there is nothing
// to guess, and lookups by hash stay index-fast.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// wellFormedToken checks prefix and length before touching the database.
func wellFormedToken(token, prefix string) bool {
	if !strings.HasPrefix(token, prefix) || len(token) != len(prefix)+43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(token[len(prefix):])
	return err == nil
}

// IsAPIToken reports whether s looks like an API token (for redaction).
func IsAPIToken(s string) bool { return wellFormedToken(s, apiTokenPrefix) }
