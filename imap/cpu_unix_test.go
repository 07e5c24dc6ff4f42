//go:build unix

package imap

import (
	"syscall"
	"time"
)

// processCPU is the processor time this process has used: the server's,
// since the clients of the pull tests run as other processes.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
