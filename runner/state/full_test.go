//go:build unix

package state

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fullChild names the state a child process of TestFullDiskLeavesTheStateIntact fills.
const fullChild = "FLOWCTL_TEST_FULL_STATE"

func TestFullDiskLeavesTheStateIntact(t *testing.T) {
	// A file size limit (RLIMIT_FSIZE) makes the kernel refuse to grow the file (EFBIG) as a
	// full disk does (ENOSPC). The child writes executions of 5 KB until the state can take
	// no more; the transaction that failed is rolled back, the ones before it are kept.
	if path := os.Getenv(fullChild); path != "" {
		s, err := Open(path, Options{})
		if err != nil {
			fmt.Println("open:", err)
			os.Exit(1)
		}
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			fmt.Println("getrlimit:", err)
			os.Exit(1)
		}
		lim.Cur = 512 << 10
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			fmt.Println("setrlimit:", err)
			os.Exit(1)
		}
		signal.Ignore(syscall.SIGXFSZ)
		t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		for i := 0; i < 10000; i++ {
			id := fmt.Sprintf("e%05d", i)
			r := execRec(id, "dev", "f", "SUCCESS", t0.Add(time.Duration(i)*time.Second))
			r.Doc = doc5K(id)
			if err := s.PutExecution(r); err != nil {
				fmt.Printf("%d written\n%v\n", i, err)
				os.Exit(0)
			}
		}
		fmt.Println("never full")
		os.Exit(1)
	}
	path := filepath.Join(t.TempDir(), "state.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestFullDiskLeavesTheStateIntact$")
	cmd.Env = append(os.Environ(), fullChild+"="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var written int
	var msg string
	if _, err := fmt.Sscanf(string(out), "%d written\n", &written); err != nil {
		t.Fatalf("child said %q", out)
	}
	msg = strings.TrimSpace(string(out)[strings.IndexByte(string(out), '\n')+1:])
	if !strings.HasPrefix(msg, "state "+path+": ") || !strings.Contains(msg, "file too large") ||
		!strings.HasSuffix(msg, "(the disk holding it is full, or a file size limit (ulimit -f) is reached: this change was not written, what was there before is intact; free space, or choose another file with --state or FLOWCTL_STATE)") {
		t.Errorf("error: got %q", msg)
	}
	if written < 10 {
		t.Fatalf("only %d executions written before the limit: the test measures nothing", written)
	}

	rep, err := Check(path, Options{})
	if err != nil || rep.Damaged != 0 || rep.Executions != written {
		t.Fatalf("check: %+v, %v; want sound with the %d executions written", rep, err, written)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	last := fmt.Sprintf("e%05d", written-1)
	if r, ok, err := s.Execution(last); err != nil || !ok || string(r.Doc) != string(doc5K(last)) {
		t.Errorf("the last execution written: got %v, %v", ok, err)
	}
	if _, ok, err := s.Execution(fmt.Sprintf("e%05d", written)); err != nil || ok {
		t.Errorf("the execution refused: found %v, %v; want it absent", ok, err)
	}
	// Room again: the state takes the next write.
	if err := s.PutExecution(execRec("after", "dev", "f", "SUCCESS", time.Now())); err != nil {
		t.Errorf("write after the limit is lifted: %v", err)
	}
	var se *Error
	if !errors.As(fmt.Errorf("wrapped: %w", s.wrap(&os.PathError{Op: "write", Path: path, Err: syscall.ENOSPC})), &se) || !errors.Is(se, syscall.ENOSPC) {
		t.Errorf("ENOSPC: got %v, want a state *Error that keeps the cause", se)
	}
}
