package state

import (
	"bufio"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// helperEnv names the helper a re-run test binary plays (see TestMain); helperState and
// helperID tell it which state to write and which id to use.
const (
	helperEnv   = "FLOWCTL_STATE_TEST_HELPER"
	helperState = "FLOWCTL_STATE_TEST_PATH"
	helperID    = "FLOWCTL_STATE_TEST_ID"
	helperCount = "FLOWCTL_STATE_TEST_COUNT"
)

func runHelper(name string) int {
	path, id := os.Getenv(helperState), os.Getenv(helperID)
	var err error
	switch name {
	case "put":
		err = helperPut(path, id)
	case "loop":
		err = helperLoop(path, id)
	case "kv":
		err = helperKV(path, id)
	default:
		err = fmt.Errorf("unknown helper %q", name)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// recordRun does what `flowctl run` does to the state: the execution RUNNING at its start,
// then its final document.
func recordRun(s *Store, id string) error {
	start := time.Now().UTC()
	r := ExecRecord{ID: id, Namespace: "dev", FlowID: "build", State: "RUNNING", StartDate: start, Doc: doc5K(id)}
	if err := s.PutExecution(r); err != nil {
		return err
	}
	r.State, r.EndDate = "SUCCESS", time.Now().UTC()
	return s.PutExecution(r)
}

// helperPut waits for its standard input to close, the start signal shared by all the
// helpers of a test, then records one execution and prints its id.
func helperPut(path, id string) error {
	io.Copy(io.Discard, os.Stdin)
	s, err := Open(path, Options{})
	if err != nil {
		return err
	}
	if err := recordRun(s, id); err != nil {
		return err
	}
	_, err = fmt.Println(id)
	return err
}

// helperLoop records executions until it is killed (or has recorded $helperCount), printing
// each id once its final document is committed: a printed id is one the state must keep.
func helperLoop(path, prefix string) error {
	s, err := Open(path, Options{})
	if err != nil {
		return err
	}
	count, _ := strconv.Atoi(os.Getenv(helperCount))
	for i := 0; count == 0 || i < count; i++ {
		id := fmt.Sprintf("%s-%04d", prefix, i)
		if err := recordRun(s, id); err != nil {
			return err
		}
		if err := s.PutLogs(id, []LogEntry{{TaskRunID: "t", Time: time.Now(), Level: "INFO", Message: "done"}}); err != nil {
			return err
		}
		if _, err := fmt.Println(id); err != nil {
			return err
		}
	}
	return nil
}

func helperCmd(t *testing.T, name, path, id string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+name, helperState+"="+path, helperID+"="+id)
	return cmd
}

func TestTwentyProcessesAtOnce(t *testing.T) {
	// The state does not exist yet: the processes also race to create it.
	path := t.TempDir() + "/new/state.db"
	const n = 20
	type proc struct {
		cmd    *exec.Cmd
		stdin  io.WriteCloser
		out    strings.Builder
		stderr strings.Builder
	}
	procs := make([]*proc, n)
	for i := range procs {
		p := &proc{cmd: helperCmd(t, "put", path, fmt.Sprintf("exec-%02d", i))}
		p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.stderr
		var err error
		if p.stdin, err = p.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs[i] = p
	}
	for _, p := range procs {
		p.stdin.Close() // go
	}
	for i, p := range procs {
		if err := p.cmd.Wait(); err != nil {
			t.Errorf("process %d: %v: %s", i, err, p.stderr.String())
		}
	}
	s, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.Executions(ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != n {
		t.Errorf("%d executions recorded, want %d: %s", len(list), n, ids(list))
	}
	for i := range n {
		id := fmt.Sprintf("exec-%02d", i)
		if r, ok, err := s.Execution(id); err != nil || !ok || r.State != "SUCCESS" {
			t.Errorf("%s: ok %v state %q err %v; want SUCCESS", id, ok, r.State, err)
		}
	}
}

func TestKilledWriterLosesNothingFinished(t *testing.T) {
	path := t.TempDir() + "/state.db"
	if _, err := Open(path, Options{}); err != nil {
		t.Fatal(err)
	}
	rng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 7))
	var finished []string
	for round := range 50 {
		cmd := helperCmd(t, "loop", path, fmt.Sprintf("r%02d", round))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Let it finish a few executions (none in some rounds), then kill it somewhere
		// inside the next one: the delay is what makes the moment random.
		lines := make(chan string)
		var reported []string
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(lines)
			r := bufio.NewReader(out)
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return // a line without its newline was not fully reported
				}
				lines <- strings.TrimSuffix(l, "\n")
			}
		}()
		for wait := rng.IntN(4); len(reported) < wait; {
			l, ok := <-lines
			if !ok {
				break
			}
			reported = append(reported, l)
		}
		time.Sleep(time.Duration(rng.IntN(4000)) * time.Microsecond)
		cmd.Process.Signal(syscall.SIGKILL)
		for l := range lines {
			reported = append(reported, l)
		}
		wg.Wait()
		if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
			t.Fatalf("round %d: helper ended with %v, want killed: %s", round, err, stderr.String())
		}
		finished = append(finished, reported...)

		s, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("round %d: Open after kill: %v", round, err)
		}
		for _, id := range finished {
			r, ok, err := s.Execution(id)
			if err != nil || !ok || r.State != "SUCCESS" {
				t.Fatalf("round %d: finished execution %s: ok %v state %q err %v", round, id, ok, r.State, err)
			}
		}
		checkConsistent(t, path)
	}
	t.Logf("%d executions reported finished over 50 kills", len(finished))
}

// checkConsistent runs bbolt's own full check of the file: every page reachable once,
// keys in order, free pages not in use.
func checkConsistent(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		var first error
		for err := range tx.Check() { // drain it: the checker blocks on its next error
			if first == nil {
				first = err
			}
		}
		return first
	})
	if err != nil {
		t.Fatalf("bbolt check: %v", err)
	}
	// Check's own walk must find nothing either: it must never call a sound state damaged.
	if rep, err := Check(path, Options{}); err != nil || rep.Damaged > 0 {
		t.Fatalf("Check: %v, %q; want no damage", err, rep.Problems)
	}
}
