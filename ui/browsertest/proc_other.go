//go:build !linux

package browsertest

import "os/exec"

func setProcessGroup(*exec.Cmd) {}

func killGroup(int) {}
