package webrtc

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/pion/ice/v4"
	pion "github.com/pion/webrtc/v4"
)

// Trickle ICE (RFC 8840 fragments, sent by WHIP/WHEP clients with PATCH,
// RFC 9725 section 4.3.1): the viewer sends its offer before its candidates
// are gathered and adds them to the running session afterwards. The server's
// own candidates are all in its answer (it gathers before answering).

// Trickle limits.
const (
	// MaxTrickleBytes bounds one fragment; a browser's is well under 2 KB.
	MaxTrickleBytes = 16 << 10
	// maxTrickleLines bounds the lines of one fragment.
	maxTrickleLines = 256
	// MaxRemoteCandidates bounds the candidates one session accepts over
	// all its fragments: each costs connectivity checks.
	MaxRemoteCandidates = 64
)

// Trickle errors.
var (
	// ErrTrickleSyntax: the body is not a usable trickle-ice-sdpfrag.
	ErrTrickleSyntax = errors.New("malformed trickle-ice-sdpfrag")
	// ErrICERestart: the fragment names another ICE ufrag or password (a
	// restart, or candidates of another ICE session); restarts are not
	// supported, a new session is.
	ErrICERestart = errors.New("ICE restart is not supported")
	// ErrTooManyCandidates: past MaxRemoteCandidates for the session.
	ErrTooManyCandidates = errors.New("too many ICE candidates")
)

// TrickleFragment is a parsed application/trickle-ice-sdpfrag body.
type TrickleFragment struct {
	Ufrag, Pwd string   // "" when the fragment does not name them
	Candidates []string // the values of a=candidate: lines, without "candidate:"
	End        bool     // a=end-of-candidates
}

// ParseTrickle parses a trickle-ice-sdpfrag body (RFC 8840 section 9):
// session-level then per-"m=" attribute lines, CRLF or LF separated. ICE
// attributes are read (ice-ufrag, ice-pwd, candidate, end-of-candidates);
// other well-formed lines (m=, a=mid:, a=ice-options:, ...) are accepted
// and ignored. Every candidate line must parse. Errors wrap
// ErrTrickleSyntax.
func ParseTrickle(body []byte) (TrickleFragment, error) {
	var f TrickleFragment
	bad := func(format string, args ...any) (TrickleFragment, error) {
		return TrickleFragment{}, fmt.Errorf("%w: %s", ErrTrickleSyntax, fmt.Sprintf(format, args...))
	}
	if len(body) > MaxTrickleBytes {
		return bad("larger than %d bytes", MaxTrickleBytes)
	}
	lines := strings.Split(string(body), "\n")
	if len(lines) > maxTrickleLines+1 {
		return bad("more than %d lines", maxTrickleLines)
	}
	seen := 0
	for i, line := range lines {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			continue
		}
		seen++
		if len(line) < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z' {
			return bad("line %d is not an SDP line", i+1)
		}
		for j := 0; j < len(line); j++ {
			if c := line[j]; c < 0x20 || c == 0x7f {
				return bad("line %d has a control character", i+1)
			}
		}
		if line[0] != 'a' {
			continue // m=, c=, ...: the section structure, not needed here
		}
		attr := line[2:]
		switch {
		case strings.HasPrefix(attr, "ice-ufrag:"):
			v := strings.TrimPrefix(attr, "ice-ufrag:")
			if !iceChars(v, 4) {
				return bad("line %d: ice-ufrag must be 4 to 256 ice-chars", i+1)
			}
			if f.Ufrag != "" && f.Ufrag != v {
				return bad("line %d: a second, different ice-ufrag", i+1)
			}
			f.Ufrag = v
		case strings.HasPrefix(attr, "ice-pwd:"):
			v := strings.TrimPrefix(attr, "ice-pwd:")
			if !iceChars(v, 22) {
				return bad("line %d: ice-pwd must be 22 to 256 ice-chars", i+1)
			}
			if f.Pwd != "" && f.Pwd != v {
				return bad("line %d: a second, different ice-pwd", i+1)
			}
			f.Pwd = v
		case strings.HasPrefix(attr, "candidate:"):
			v := strings.TrimPrefix(attr, "candidate:")
			if _, err := ice.UnmarshalCandidate(v); err != nil {
				return bad("line %d: candidate does not parse", i+1)
			}
			if len(f.Candidates) == MaxRemoteCandidates {
				return TrickleFragment{}, ErrTooManyCandidates
			}
			f.Candidates = append(f.Candidates, v)
		case attr == "end-of-candidates":
			f.End = true
		}
	}
	if seen == 0 {
		return bad("empty fragment")
	}
	return f, nil
}

// iceChars reports whether v is min to 256 ice-chars (RFC 8839: ALPHA,
// DIGIT, "+", "/").
func iceChars(v string, minLen int) bool {
	if len(v) < minLen || len(v) > 256 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}

// Trickle adds a fragment's candidates to the session's ICE agent. The
// fragment must belong to the session's ICE session: a different ufrag or
// password (in the fragment or a candidate's ufrag extension) is
// ErrICERestart. Candidates whose address is not an IP literal (mDNS
// ".local" names: mDNS is off) are skipped. It returns how many candidates
// were added; ErrClosed when the session has ended, ErrTooManyCandidates
// past MaxRemoteCandidates. Safe for concurrent use.
func (s *Session) Trickle(f TrickleFragment) (added int, err error) {
	if s.ctx.Err() != nil {
		return 0, ErrClosed
	}
	ufrag, pwd := s.offer.ufrag, s.offer.pwd
	if (f.Ufrag != "" && f.Ufrag != ufrag) || (f.Pwd != "" && f.Pwd != pwd) {
		return 0, ErrICERestart
	}
	var cands []string
	for _, v := range f.Candidates {
		c, err := ice.UnmarshalCandidate(v)
		if err != nil {
			return 0, fmt.Errorf("%w: candidate does not parse", ErrTrickleSyntax)
		}
		if ext, ok := c.GetExtension("ufrag"); ok && ext.Value != ufrag {
			return 0, ErrICERestart
		}
		if _, err := netip.ParseAddr(c.Address()); err != nil {
			continue
		}
		cands = append(cands, v)
	}
	if n := s.trickled.Add(int32(len(cands))); n > MaxRemoteCandidates {
		s.trickled.Add(-int32(len(cands)))
		return 0, ErrTooManyCandidates
	}
	for _, v := range cands {
		if err := s.pc.AddICECandidate(pion.ICECandidateInit{Candidate: "candidate:" + v}); err != nil {
			if s.ctx.Err() != nil {
				return added, ErrClosed
			}
			return added, fmt.Errorf("add candidate: %w", err)
		}
		added++
	}
	if f.End {
		// Pion takes an empty candidate as the end of candidates.
		_ = s.pc.AddICECandidate(pion.ICECandidateInit{})
	}
	return added, nil
}
