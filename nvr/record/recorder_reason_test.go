package record

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
	"testing"

	"github.com/hearthnvr/hearth/nvr"
)

// TestStallReasonsCarryNoServerDetail: the reason of a stall is read by
// every member of the camera's household (GET /api/cameras), so a raw
// error's paths and database words stay in the log; Hearth's own messages
// and the kind of system failure are shown.
func TestStallReasonsCarryNoServerDetail(t *testing.T) {
	const secretPath = "/var/lib/hearth/recordings/0123abcd/segment-42.mp4"
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"path error", fmt.Errorf("create segment: %w", &fs.PathError{Op: "open", Path: secretPath, Err: syscall.EACCES}),
			"recordings cannot be written: permission denied"},
		{"database words", fmt.Errorf("index fragments of segment 7: %w", errors.New("sqlite: constraint failed: "+secretPath)),
			"recordings cannot be written (the server log says why)"},
		{"own message", nvr.Errorf("recording", nvr.KindUnavailable, "recordings directory is not mounted"),
			"recordings directory is not mounted"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := stateMessage(c.err)
			if got != c.want || strings.Contains(got, "/var/lib") || strings.Contains(got, "sqlite") {
				t.Fatalf("stateMessage(%v) = %q, want %q", c.err, got, c.want)
			}
		})
	}
}
