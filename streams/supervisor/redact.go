package supervisor

import "regexp"

// userinfoRE matches the user info of a URL: a scheme, "://", then
// everything up to the last "@" before the next space or quote. It is
// greedy on purpose: a password with an unescaped "@" or "/" is still
// covered, at the price of over-redacting a URL with an "@" in its path.
var userinfoRE = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://)[^\s"'<>` + "`" + `]*@`)

// redact replaces the user info of every URL in s with "xxxxx". Sources
// already redact their errors; this is the second line of defence before
// anything reaches Status or a log.
func redact(s string) string {
	return userinfoRE.ReplaceAllString(s, "${1}xxxxx@")
}
