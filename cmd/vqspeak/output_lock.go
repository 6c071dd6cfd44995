//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"os"
	"syscall"
)

// lockTemp takes an exclusive lock on a temporary output file while it is
// open. The kernel drops the lock when the process ends, however it ends
// (SIGKILL, out of memory), so a later run can tell a stale temporary file
// from one a live run is writing.
func lockTemp(f *os.File) {
	syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

// unheld reports that no process holds the lock on the file at path.
func unheld(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}
