package nvr

import (
	"context"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
)

// DigestRealm is the realm of Hearth's RTSP digest challenge; a token's
// stored HA1 is computed under it.
const DigestRealm = "hearth"

// DigestHA1 returns RFC 2617's HA1, MD5(user:realm:token), in lowercase
// hex. MD5 is what RTSP clients speak (ffmpeg refuses SHA-256 digest); the
// token's 256 random bits keep it from being reversed.
func DigestHA1(user, token string) string {
	h := md5.Sum([]byte(user + ":" + DigestRealm + ":" + token))
	return hex.EncodeToString(h[:])
}

// DigestResponse is RFC 2617's response without qop:
// MD5(HA1:nonce:MD5(method:uri)).
func DigestResponse(ha1, nonce, method, uri string) string {
	h2 := md5.Sum([]byte(method + ":" + uri))
	h := md5.Sum([]byte(ha1 + ":" + nonce + ":" + hex.EncodeToString(h2[:])))
	return hex.EncodeToString(h[:])
}

// DigestStore is what digest authentication reads.
type DigestStore interface {
	// DigestTokens returns the API tokens of the user named name that have
	// a digest HA1 (view tokens), with that user; none (no error) when the
	// user is missing.
	DigestTokens(ctx context.Context, name string) ([]APIToken, User, error)
}

// DigestCheck tells whether a digest response computed from ha1 matches
// what the client sent.
type DigestCheck func(ha1 string) bool

// AuthenticateDigest finds the view token of user name whose HA1 passes
// check and returns its principal. Every failure (no such user, no such
// token, a wrong response) answers the same KindUnauthorized error; the
// policy then decides as for a bearer token (expiry, scope, disabled user,
// camera). Tokens are compared in constant time.
func AuthenticateDigest(ctx context.Context, store DigestStore, name string, check DigestCheck) (Principal, error) {
	toks, u, err := store.DigestTokens(ctx, name)
	if err != nil {
		return Principal{}, Wrap("authenticate digest", err)
	}
	var found *APIToken
	for i := range toks {
		if check(toks[i].DigestHA1) && found == nil {
			found = &toks[i]
		}
	}
	if found == nil || u.ID == 0 {
		return Principal{}, errUnauthenticated
	}
	return Principal{UserID: u.ID, Kind: CredentialToken, CredentialID: found.ID, Scope: found.Scope}, nil
}

// EqualDigest compares two hex digests in constant time.
func EqualDigest(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
