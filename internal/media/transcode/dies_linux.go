package transcode

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill ffmpeg when the process that started it
// dies (kill -9 included): an orphan would go on burning a core for a job
// that another process takes again.
func dieWithParent(c *exec.Cmd) {
	c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
