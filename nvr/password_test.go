package nvr_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hearthnvr/hearth/nvr"
)

var phcPattern = regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestPasswordRoundTrip(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, pw string
	}{
		{"ascii", "correct horse battery staple"},
		{"empty", ""},
		{"unicode", "pässwörd-日本語-🔑"},
		{"max length", strings.Repeat("x", nvr.MaxPasswordLen)},
		{"dollar signs", "$argon2id$v=19$"},
		{"nul byte", "a\x00b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := nvr.HashPassword(tc.pw, cheapArgon2)
			if !phcPattern.MatchString(h) {
				t.Fatalf("hash %q is not the expected PHC form", h)
			}
			if len(tc.pw) >= 8 && !strings.HasPrefix(tc.pw, "$") && strings.Contains(h, tc.pw) {
				t.Fatal("hash contains the password")
			}
			if !nvr.VerifyPassword(tc.pw, h) {
				t.Fatal("VerifyPassword(pw, HashPassword(pw)) = false")
			}
			for _, wrong := range []string{tc.pw + "x", strings.ToUpper(tc.pw) + "!", "x" + tc.pw, tc.pw + "\x00"} {
				if nvr.VerifyPassword(wrong, h) {
					t.Fatalf("VerifyPassword(%q) = true for the hash of %q", wrong, tc.pw)
				}
			}
			if h2 := nvr.HashPassword(tc.pw, cheapArgon2); h2 == h {
				t.Fatal("two hashes of one password are equal: salt not random")
			}
		})
	}
}

func TestDefaultArgon2IsUsable(t *testing.T) {
	t.Parallel()
	p := nvr.DefaultArgon2()
	if p.MemoryKiB < 19*1024 || p.Time < 2 || p.Threads < 1 {
		t.Fatalf("DefaultArgon2 = %+v, below OWASP's minimum", p)
	}
	h := nvr.HashPassword("pw", p)
	if !nvr.VerifyPassword("pw", h) || nvr.VerifyPassword("pW", h) {
		t.Fatal("default parameters do not round-trip")
	}
}

// tamperedHashes returns variants of a valid hash of pw that must not verify.
func tamperedHashes(h string) map[string]string {
	parts := strings.Split(h, "$") // "", argon2id, v=19, m=..., salt, key
	join := func(p ...string) string { return strings.Join(p, "$") }
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	return map[string]string{
		"empty":                    "",
		"dollar":                   "$",
		"plain text":               "correct horse",
		"five parts":               join(parts[:5]...),
		"seven parts":              h + "$extra",
		"argon2i":                  join("", "argon2i", parts[2], parts[3], parts[4], parts[5]),
		"argon2d":                  join("", "argon2d", parts[2], parts[3], parts[4], parts[5]),
		"bcrypt":                   "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"version 16":               join("", parts[1], "v=16", parts[3], parts[4], parts[5]),
		"no version":               join("", parts[1], parts[3], parts[4], parts[5], ""),
		"memory changed":           join("", parts[1], parts[2], "m=65,t=1,p=1", parts[4], parts[5]),
		"time changed":             join("", parts[1], parts[2], "m=64,t=2,p=1", parts[4], parts[5]),
		"threads changed":          join("", parts[1], parts[2], "m=64,t=1,p=2", parts[4], parts[5]),
		"memory zero":              join("", parts[1], parts[2], "m=0,t=1,p=1", parts[4], parts[5]),
		"time zero":                join("", parts[1], parts[2], "m=64,t=0,p=1", parts[4], parts[5]),
		"threads zero":             join("", parts[1], parts[2], "m=64,t=1,p=0", parts[4], parts[5]),
		"memory huge":              join("", parts[1], parts[2], "m=4294967295,t=1,p=1", parts[4], parts[5]),
		"memory overflow":          join("", parts[1], parts[2], "m=99999999999999999999,t=1,p=1", parts[4], parts[5]),
		"time huge":                join("", parts[1], parts[2], "m=64,t=4294967295,p=1", parts[4], parts[5]),
		"threads overflow":         join("", parts[1], parts[2], "m=64,t=1,p=256", parts[4], parts[5]),
		"negative memory":          join("", parts[1], parts[2], "m=-64,t=1,p=1", parts[4], parts[5]),
		"params reordered":         join("", parts[1], parts[2], "t=1,m=64,p=1", parts[4], parts[5]),
		"params missing":           join("", parts[1], parts[2], "m=64,t=1", parts[4], parts[5]),
		"params empty":             join("", parts[1], parts[2], "", parts[4], parts[5]),
		"salt flipped":             join("", parts[1], parts[2], parts[3], flip(parts[4], 0), parts[5]),
		"key flipped first":        join("", parts[1], parts[2], parts[3], parts[4], flip(parts[5], 0)),
		"key flipped last":         join("", parts[1], parts[2], parts[3], parts[4], flip(parts[5], len(parts[5])-2)),
		"key truncated":            join("", parts[1], parts[2], parts[3], parts[4], parts[5][:len(parts[5])-4]),
		"key empty":                join("", parts[1], parts[2], parts[3], parts[4], ""),
		"key too long":             join("", parts[1], parts[2], parts[3], parts[4], strings.Repeat("A", 88)),
		"key not base64":           join("", parts[1], parts[2], parts[3], parts[4], "!!!!"+parts[5][4:]),
		"key padded":               join("", parts[1], parts[2], parts[3], parts[4], parts[5]+"="),
		"salt not base64":          join("", parts[1], parts[2], parts[3], "*"+parts[4][1:], parts[5]),
		"salt and key swapped":     join("", parts[1], parts[2], parts[3], parts[5], parts[4]),
		"upper-case algorithm":     join("", "ARGON2ID", parts[2], parts[3], parts[4], parts[5]),
		"whitespace around":        " " + h + " ",
		"trailing newline":         h + "\n",
		"junk before first dollar": "x" + h,
		"junk after the params":    join("", parts[1], parts[2], parts[3]+"junk", parts[4], parts[5]),
		"space inside the params":  join("", parts[1], parts[2], "m= 64,t=1,p=1", parts[4], parts[5]),
		"plus sign in the params":  join("", parts[1], parts[2], "m=+64,t=1,p=1", parts[4], parts[5]),
	}
}

func TestVerifyPasswordRefusesTamperedAndMalformed(t *testing.T) {
	t.Parallel()
	const pw = "correct horse"
	h := nvr.HashPassword(pw, cheapArgon2)
	checked := 0
	for name, bad := range tamperedHashes(h) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if nvr.VerifyPassword(pw, bad) {
				t.Fatalf("VerifyPassword(right password, %q) = true", bad)
			}
			if nvr.VerifyPassword("", bad) {
				t.Fatalf("VerifyPassword(\"\", %q) = true", bad)
			}
		})
		checked++
	}
	t.Logf("checked %d tampered or malformed hashes", checked)
}

func TestValidatePassword(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		pw   string
		ok   bool
	}{
		{"empty", "", false},
		{"7 chars", "1234567", false},
		{"8 chars", "k3y-stone", true},
		{"max bytes", strings.Repeat("ab", nvr.MaxPasswordLen/2), true},
		{"one byte over", strings.Repeat("ab", nvr.MaxPasswordLen/2) + "c", false},
		{"spaces count", "a bc de f", true},
		{"one character repeated", "        ", false},
		{"one digit repeated", "11111111", false},
		{"common", "iloveyou", false},
		{"common in capitals", "QWERTY123", false},
		{"common digits", "12345678", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := nvr.ValidatePassword(tc.pw)
			if (err == nil) != tc.ok {
				t.Fatalf("ValidatePassword = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && nvr.ErrorKind(err) != nvr.KindInvalid {
				t.Fatalf("kind = %v, want invalid", nvr.ErrorKind(err))
			}
			if err != nil && tc.pw != "" && strings.Contains(err.Error(), tc.pw) {
				t.Fatal("error repeats the password")
			}
		})
	}
}

// FuzzVerifyPassword: VerifyPassword never panics, and accepts only strings
// that carry an argon2id hash. (Stricter canonical-form cases are in
// TestVerifyPasswordRefusesTamperedAndMalformed.)
func FuzzVerifyPassword(f *testing.F) {
	h := nvr.HashPassword("correct horse", cheapArgon2)
	f.Add("correct horse", h)
	f.Add("", "")
	f.Add("x", "$argon2id$v=19$m=64,t=1,p=1$$")
	f.Add("x", "$argon2id$v=19$m=1,t=1,p=255$AAAA$AAAA")
	f.Add("x", "$argon2id$v=19$m=64,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$"+strings.Repeat("A", 86))
	for _, bad := range tamperedHashes(h) {
		f.Add("correct horse", bad)
	}
	f.Fuzz(func(t *testing.T, pw, encoded string) {
		// Skip costly but valid parameters: the target is parsing, not argon2.
		if parts := strings.Split(encoded, "$"); len(parts) == 6 {
			var m, tc uint64
			var p uint64
			if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &tc, &p); err == nil && (m > 4096 || tc > 2 || p > 4) {
				t.Skip()
			}
		}
		ok := nvr.VerifyPassword(pw, encoded)
		if ok && (!strings.Contains(encoded, "$argon2id$v=19$m=") || strings.Count(encoded, "$") != 5) {
			t.Fatalf("VerifyPassword accepted non-argon2id hash %q", encoded)
		}
	})
}
