package cmd_test

import (
	"strings"
	"testing"
)

// TestShareLinkPrincipalOnlyInPolicy: a share link principal stands for
// whoever holds a link's secret, acting on the link's creator's behalf on
// one camera. Only the policy mints one (from a link row it just read) and
// only the policy's files name its kind: a handler that could make one
// could open any camera of its creator. (Kept apart from layout_test.go
// so it merges without conflict.)
func TestShareLinkPrincipalOnlyInPolicy(t *testing.T) {
	namedOnlyIn(t, "shareLinkPrincipal(", func(path string) bool {
		return path == "nvr/share.go" || path == "nvr/policy_share.go"
	})
	namedOnlyIn(t, "CredentialShareLink", func(path string) bool {
		switch path {
		case "nvr/share.go", "nvr/policy.go", "nvr/policy_share.go", "nvr/decide_share.go", "nvr/decide_viewing.go",
			"nvr/grant.go", "nvr/principal.go":
			return true
		}
		return strings.HasPrefix(path, "nvr/nvrtest/")
	})
}
