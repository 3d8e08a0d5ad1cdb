//go:build unix

package storage

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// fsizeChild names the folder a child process of TestPutPastTheFileSizeLimit stores into.
const fsizeChild = "FLOWCTL_TEST_FSIZE_DIR"

func TestPutPastTheFileSizeLimit(t *testing.T) {
	// A file size limit (RLIMIT_FSIZE) makes the kernel fail a write past it (EFBIG) as a
	// full disk does (ENOSPC): the same path of Put meets it. The limit is set in a child
	// process, so that no other test's writes meet it.
	if dir := os.Getenv(fsizeChild); dir != "" {
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			fmt.Println("getrlimit:", err)
			os.Exit(1)
		}
		lim.Cur = 64 << 10
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			fmt.Println("setrlimit:", err)
			os.Exit(1)
		}
		signal.Ignore(syscall.SIGXFSZ)
		_, err := New(dir).Execution("dev", "f", "E").Task("t", "R").Put("big.bin", bytes.NewReader(make([]byte, 1<<20)))
		fmt.Println(err)
		os.Exit(0)
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestPutPastTheFileSizeLimit$")
	cmd.Env = append(os.Environ(), fsizeChild+"="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	want := "internal storage: writing kestra:///dev/f/executions/E/tasks/t/R/big.bin stopped after 65536 bytes: file too large (the file size limit of the process is reached: see ulimit -f)\n"
	if string(out) != want {
		t.Errorf("Put past the limit: got %q, want %q", out, want)
	}
	// The partial file is gone, and the storage takes the file once there is room.
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
	x := New(dir).Execution("dev", "f", "E")
	uri := put(t, x.Task("t", "R"), "big.bin", strings.Repeat("x", 1<<20))
	if got := read(t, x, uri); len(got) != 1<<20 {
		t.Errorf("read back %d bytes, want %d", len(got), 1<<20)
	}
}

func TestWriteErrorWording(t *testing.T) {
	const uri = "kestra:///dev/f/executions/E/tasks/t/R/out.csv"
	tmp := "/var/lib/flowctl/state.db.storage/dev/f/executions/E/tasks/t/R/.put-1-2"
	for _, c := range []struct {
		err  error
		want string
	}{
		{&fs.PathError{Op: "write", Path: tmp, Err: syscall.ENOSPC},
			uri + " stopped after 10 bytes: no space left on device (the disk holding /st is full: free space there, or keep the state, and its storage, on another disk with --state)"},
		{&fs.PathError{Op: "write", Path: tmp, Err: syscall.EDQUOT},
			uri + " stopped after 10 bytes: disk quota exceeded (the disk holding /st is full"},
		{os.NewSyscallError("copy_file_range", syscall.EFBIG),
			uri + " stopped after 10 bytes: file too large (the file size limit of the process is reached: see ulimit -f)"},
		{&fs.PathError{Op: "write", Path: tmp, Err: syscall.EIO},
			uri + " stopped after 10 bytes: input/output error"},
	} {
		err := writeError("/st", uri, 10, c.err)
		got := err.Error()
		if !strings.HasPrefix(got, "internal storage: writing "+c.want) || strings.Contains(got, ".put-") {
			t.Errorf("got %q, want it to start %q, without the temporary path", got, "internal storage: writing "+c.want)
		}
		var errno syscall.Errno
		if !errors.As(err, &errno) {
			t.Errorf("%q: the system error is not kept for errors.Is", got)
		}
	}
}
