package main

import (
	"context"

	"github.com/hearthnvr/hearth/cmd/internal/simcamcmd"
)

// cmdSimcam serves simulated cameras over RTSP until interrupted: a test
// peer for Hearth itself and for anyone trying an NVR without a camera.
func cmdSimcam(ctx context.Context, args []string, e env) error {
	return simcamcmd.Run(ctx, "hearth", args, e.stdout, e.stderr, e.onListen)
}
