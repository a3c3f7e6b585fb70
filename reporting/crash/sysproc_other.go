//go:build !unix

package crash

import (
	"io"
	"os"
	"syscall"
)

func sysProcAttr() *syscall.SysProcAttr { return nil }

func checkProcess() error { return nil }

func executable() (string, error) { return os.Executable() }

// input is the pipe from the application: standard input.
func input(appPID int) (io.Reader, func()) { return os.Stdin, func() {} }
