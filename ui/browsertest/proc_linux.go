package browsertest

import (
	"os/exec"
	"syscall"
	"time"
)

// setProcessGroup puts the browser (and the renderer, GPU and network
// processes it forks) in a process group of its own, killed with the test
// binary if that dies first.
func setProcessGroup(c *exec.Cmd) {
	if c.SysProcAttr == nil {
		c.SysProcAttr = new(syscall.SysProcAttr)
	}
	c.SysProcAttr.Setpgid = true
	c.SysProcAttr.Pdeathsig = syscall.SIGKILL
}

// killGroup kills the process group led by pid and waits (bounded) until no
// member is left that could still write into the user data directory.
func killGroup(pid int) {
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if err := syscall.Kill(-pid, 0); err != nil {
			return // ESRCH: the group is gone
		}
		time.Sleep(20 * time.Millisecond)
	}
}
