package main

import (
	"testing"
	"time"
)

// TestReviewScenarioConfig: review runs only when named (it needs the
// hearth binary and minutes of footage, so "all" leaves it out), its sizes
// are bounded, and the owner's login is read from the line hearth demo
// prints.
func TestReviewScenarioConfig(t *testing.T) {
	t.Parallel()
	base := benchConfig{Cameras: 1, Duration: time.Second, StormCameras: 1, StormOutage: time.Second, ClipMinutes: 1,
		IndexDays: 2, Viewers: 1, LiveWindow: time.Second, ReviewFootage: time.Minute, ReviewClicks: 10}
	if containsString(benchScenarios, "review") {
		t.Fatal(`"all" includes review`)
	}
	for _, c := range []struct {
		name   string
		edit   func(*benchConfig)
		wantOK bool
	}{
		{"named", func(c *benchConfig) {}, true},
		{"one click", func(c *benchConfig) { c.ReviewClicks = 1 }, false},
		{"too little footage", func(c *benchConfig) { c.ReviewFootage = 10 * time.Second }, false},
		{"too much footage", func(c *benchConfig) { c.ReviewFootage = time.Hour }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := base
			cfg.Scenarios = []string{"review"}
			c.edit(&cfg)
			if err := cfg.Validate(); (err == nil) != c.wantOK {
				t.Fatalf("Validate() = %v, want ok %v", err, c.wantOK)
			}
		})
	}
	m := demoLogin.FindStringSubmatch("  alice  3tu8a9dv9fkk          owner of Alvarez")
	if m == nil || m[1] != "3tu8a9dv9fkk" {
		t.Fatalf("demo login line: %v", m)
	}
	if demoLogin.MatchString("  bob    8dq5kbpp7u3k          owner of Brooks") {
		t.Fatal("bob's line taken for alice's")
	}
}
