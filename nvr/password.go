package nvr

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id cost parameters. The defaults follow OWASP's
// minimum (19 MiB, 2 passes, 1 lane): enough against offline guessing while
// a Raspberry Pi still verifies a login in well under a second.
type Argon2Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// DefaultArgon2 is the production cost.
func DefaultArgon2() Argon2Params { return Argon2Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1} }

const (
	argonSaltLen = 16
	argonKeyLen  = 32
	// MinPasswordLen is the shortest password accepted.
	MinPasswordLen = 8
	// MaxPasswordLen bounds hashing work per request.
	MaxPasswordLen = 256
)

// ValidatePassword checks a new password's length.
func ValidatePassword(pw string) error {
	if len(pw) < MinPasswordLen {
		// Bytes, counted as characters for the person typing: a shorter
		// password of multi-byte letters is still 8 bytes of secret.
		return Errorf("validate password", KindInvalid, "password too short: use at least %d characters", MinPasswordLen)
	}
	if len(pw) > MaxPasswordLen {
		return Errorf("validate password", KindInvalid, "password too long: use at most %d characters", MaxPasswordLen)
	}
	// Long enough is not enough (NIST SP 800-63B: refuse passwords known
	// to be guessed first). A walkthrough set "password" and eight spaces.
	if strings.Count(pw, pw[:1]) == len(pw) {
		return Errorf("validate password", KindInvalid, "a password of one character repeated is guessed at once: choose another")
	}
	if commonPassword(strings.ToLower(pw)) {
		return Errorf("validate password", KindInvalid, "that one is among the first a guesser tries: choose another")
	}
	return nil
}

// commonPassword reports whether pw (in lower case) is among the most used
// passwords of MinPasswordLen or more in published leaks.
func commonPassword(pw string) bool {
	switch pw {
	case "password", "password1", "password12", "password123", "passw0rd", "p@ssw0rd", "p@ssword",
		"12345678", "123456789", "1234567890", "0123456789", "87654321", "12341234", "11223344",
		"qwertyui", "qwertyuiop", "qwerty12", "qwerty123", "1q2w3e4r", "1qaz2wsx", "zaq12wsx",
		"asdfghjk", "asdfghjkl", "abcdefgh", "abcd1234", "abc12345", "iloveyou", "sunshine",
		"football", "baseball", "princess", "letmein1", "welcome1", "trustno1", "superman",
		"starwars", "whatever", "computer", "michelle", "jennifer", "corvette", "mercedes",
		"hearth123", "changeme", "administrator", "admin123", "adminadmin", "camera123":
		return true
	}
	return false
}

// HashPassword returns pw hashed with argon2id in PHC string form.
func HashPassword(pw string, p Argon2Params) string {
	salt := make([]byte, argonSaltLen)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// VerifyPassword reports whether pw matches the PHC-encoded argon2id hash.
// A malformed hash never matches.
func VerifyPassword(pw, encoded string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return false
	}
	// Refuse absurd costs from a tampered row rather than exhaust memory.
	if p.MemoryKiB == 0 || p.MemoryKiB > 1<<20 || p.Time == 0 || p.Time > 16 || p.Threads == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 64 {
		return false
	}
	// Only the exact canonical encoding is accepted, so stray bytes in a
	// tampered row can never still verify.
	if encoded != fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(want)) {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
