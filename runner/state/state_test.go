package state

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestMain doubles as the helper processes of the multi-process tests: the test binary
// runs itself with helperEnv set to the helper's name.
func TestMain(m *testing.M) {
	if h := os.Getenv(helperEnv); h != "" {
		os.Exit(runHelper(h))
	}
	os.Exit(m.Run())
}

var t0 = time.Date(2026, 11, 26, 17, 0, 0, 123456000, time.UTC)

// newStore opens a new state in a fresh folder.
func newStore(t testing.TB, opts Options) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "state.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func execRec(id, ns, flow, state string, start time.Time) ExecRecord {
	return ExecRecord{ID: id, Namespace: ns, FlowID: flow, State: state, StartDate: start,
		EndDate: start.Add(time.Second), Doc: fmt.Appendf(nil, `{"id":%q,"namespace":%q,"flowId":%q}`, id, ns, flow)}
}

// doc5K is an execution document of the typical size, 5 KB.
func doc5K(id string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"id":%q,"namespace":"dev","flowId":"build","state":{"current":"SUCCESS"},"taskRunList":[`, id)
	for i := 0; b.Len() < 5000; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"tr%02d","taskId":"task-%02d","state":{"current":"SUCCESS","duration":"PT0.05S"},"outputs":{"exitCode":0}}`, i, i)
	}
	b.WriteString("]}")
	return b.Bytes()
}

// bulkPut writes records in big transactions, for tests and benchmarks that need many.
func bulkPut(t testing.TB, s *Store, recs []ExecRecord) {
	t.Helper()
	if err := s.PutExecutions(recs); err != nil {
		t.Fatal(err)
	}
}

func ids(recs []ExecRecord) string {
	var out []string
	for _, r := range recs {
		out = append(out, r.ID)
	}
	return strings.Join(out, " ")
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestPath(t *testing.T) {
	tests := []struct {
		name string
		flag string
		env  map[string]string
		want string
		err  bool
	}{
		{"flag wins", "/f/state.db", map[string]string{"FLOWCTL_STATE": "/e", "XDG_STATE_HOME": "/x", "HOME": "/h"}, "/f/state.db", false},
		{"relative flag kept as given", "s.db", map[string]string{"HOME": "/h"}, "s.db", false},
		{"FLOWCTL_STATE", "", map[string]string{"FLOWCTL_STATE": "/e/s.db", "XDG_STATE_HOME": "/x", "HOME": "/h"}, "/e/s.db", false},
		{"XDG_STATE_HOME", "", map[string]string{"XDG_STATE_HOME": "/x", "HOME": "/h"}, "/x/flowctl/state.db", false},
		{"relative XDG_STATE_HOME ignored", "", map[string]string{"XDG_STATE_HOME": "x", "HOME": "/h"}, "/h/.local/state/flowctl/state.db", false},
		{"HOME", "", map[string]string{"HOME": "/h"}, "/h/.local/state/flowctl/state.db", false},
		{"nothing set", "", map[string]string{}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Path(tt.flag, func(k string) string { return tt.env[k] })
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOpenCreatesFileAndFolderPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "flowctl")
	path := filepath.Join(dir, "state.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", p, got, want)
		}
	}
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
	// Opening it again finds a state, not a stranger.
	if _, err := Open(path, Options{}); err != nil {
		t.Fatalf("second Open: %v", err)
	}
}

func TestOpenTurnsEmptyFileIntoState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mktemp")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutExecution(execRec("e1", "dev", "f", "SUCCESS", t0)); err != nil {
		t.Fatal(err)
	}
}

func TestOpenReadOnlyLeavesMissingFileMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope", "state.db")
	s, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Executions(ListFilter{})
	if err != nil || len(got) != 0 {
		t.Errorf("Executions = %v, %v; want none, no error", got, err)
	}
	if _, ok, err := s.Execution("x"); ok || err != nil {
		t.Errorf("Execution = %v, %v; want not found, no error", ok, err)
	}
	if err := s.PutExecution(execRec("e1", "dev", "f", "SUCCESS", t0)); !errors.Is(err, ErrReadOnly) {
		t.Errorf("PutExecution on a read-only store: got %v, want ErrReadOnly", err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a read-only Open created %s", filepath.Dir(path))
	}
}

// makeState writes a state with enough executions to span many pages.
func makeState(t *testing.T, path string) {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var recs []ExecRecord
	for i := range 60 {
		id := fmt.Sprintf("exec-%03d", i)
		r := execRec(id, "dev", "build", "SUCCESS", t0.Add(time.Duration(i)*time.Minute))
		r.Doc = doc5K(id)
		recs = append(recs, r)
	}
	bulkPut(t, s, recs)
}

func TestOpenRefusesWhatIsNotAGoodState(t *testing.T) {
	random := func(n int) []byte {
		b := make([]byte, n)
		rand.Read(b)
		return b
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, path string)
		is    error
		msg   string
	}{
		{"truncated", func(t *testing.T, path string) {
			makeState(t, path)
			if err := os.Truncate(path, 64<<10); err != nil {
				t.Fatal(err)
			}
		}, ErrCorrupt, "truncated"},
		{"truncated inside the header", func(t *testing.T, path string) {
			makeState(t, path)
			if err := os.Truncate(path, 1000); err != nil {
				t.Fatal(err)
			}
		}, ErrCorrupt, "truncated: 1000 bytes"},
		{"cut inside the first page", func(t *testing.T, path string) {
			os.WriteFile(path, random(50), 0o600)
		}, ErrCorrupt, "no valid database header"},
		{"random bytes", func(t *testing.T, path string) {
			os.WriteFile(path, random(256<<10), 0o600)
		}, ErrCorrupt, "no valid database header"},
		{"both headers damaged", func(t *testing.T, path string) {
			makeState(t, path)
			b, _ := os.ReadFile(path)
			ps := os.Getpagesize()
			copy(b[20:40], random(20))
			copy(b[ps+20:ps+40], random(20))
			os.WriteFile(path, b, 0o600)
		}, ErrCorrupt, "no valid database header"},
		{"another bbolt database", func(t *testing.T, path string) {
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.Update(func(tx *bolt.Tx) error {
				b, _ := tx.CreateBucket([]byte("widgets"))
				return b.Put([]byte("k"), []byte("v"))
			})
		}, ErrNotState, "without flowctl's meta bucket"},
		{"bbolt database with someone else's meta bucket", func(t *testing.T, path string) {
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.Update(func(tx *bolt.Tx) error {
				b, _ := tx.CreateBucket([]byte("meta"))
				return b.Put([]byte("magic"), []byte("something else"))
			})
		}, ErrNotState, "not flowctl's"},
		{"newer format", func(t *testing.T, path string) {
			makeState(t, path)
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyFormat, []byte("2")) })
		}, ErrNewerFormat, "written by a newer flowctl (format 2); upgrade flowctl"},
		{"a folder", func(t *testing.T, path string) {
			os.Mkdir(path, 0o700)
		}, ErrNotState, "is a folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			tt.setup(t, path)
			var before [32]byte
			st, _ := os.Stat(path)
			if !st.IsDir() {
				before = fileSum(t, path)
			}
			for _, ro := range []bool{false, true} {
				_, err := Open(path, Options{ReadOnly: ro})
				var se *Error
				if !errors.As(err, &se) {
					t.Fatalf("ReadOnly %v: got %v, want an *Error", ro, err)
				}
				if se.Path != path || !strings.Contains(err.Error(), path) {
					t.Errorf("error does not name the file: %v", err)
				}
				if !errors.Is(err, tt.is) {
					t.Errorf("got %v, want errors.Is %v", err, tt.is)
				}
				if !strings.Contains(err.Error(), tt.msg) || se.Hint == "" {
					t.Errorf("got %q, want it to say %q and give a hint", err, tt.msg)
				}
			}
			if !st.IsDir() && fileSum(t, path) != before {
				t.Error("the file changed")
			}
		})
	}
}

// A damaged page past the header is not caught by Open (that would read the whole file);
// reading it must fail with an error, not crash the process.
func TestDamagedPagesFailCleanly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	makeState(t, path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ps := os.Getpagesize()
	rng := mrand.New(mrand.NewPCG(1, 2))
	for i := 2 * ps; i < len(b); i++ {
		b[i] = byte(rng.Uint32())
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Logf("Open: %v", err)
		return
	}
	_, err = s.Executions(ListFilter{})
	t.Logf("Executions: %v", err)
	if err == nil {
		t.Error("reading random pages succeeded, want an error")
	}
}

func TestOpenCannotCreate(t *testing.T) {
	t.Run("folder is a file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "file")
		os.WriteFile(file, nil, 0o600)
		path := filepath.Join(file, "state.db")
		_, err := Open(path, Options{})
		var se *Error
		if !errors.As(err, &se) || se.Path != path || !strings.Contains(err.Error(), "cannot create the state file: not a directory") {
			t.Fatalf("got %v, want an *Error saying it cannot create %s", err, path)
		}
	})
	t.Run("read-only folder", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root writes into a 0500 folder anyway; the folder-is-a-file case covers creation failures")
		}
		dir := filepath.Join(t.TempDir(), "ro")
		os.Mkdir(dir, 0o500)
		t.Cleanup(func() { os.Chmod(dir, 0o700) })
		path := filepath.Join(dir, "state.db")
		_, err := Open(path, Options{})
		var se *Error
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "cannot create the state file: permission denied") {
			t.Fatalf("got %v, want an *Error saying permission denied", err)
		}
	})
	t.Run("read-only file", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root writes into a 0400 file anyway")
		}
		path := filepath.Join(t.TempDir(), "state.db")
		makeState(t, path)
		os.Chmod(path, 0o400)
		before := fileSum(t, path)
		if _, err := Open(path, Options{}); err == nil || !strings.Contains(err.Error(), "cannot write") {
			t.Errorf("got %v, want an error saying it cannot write", err)
		}
		if _, err := Open(path, Options{ReadOnly: true}); err != nil {
			t.Errorf("ReadOnly Open of a read-only file: %v", err)
		}
		if fileSum(t, path) != before {
			t.Error("the file changed")
		}
	})
}

func TestLockTimeout(t *testing.T) {
	s := newStore(t, Options{LockTimeout: 100 * time.Millisecond})
	// Another open file description holding the lock is, to flock, another process.
	f, err := os.OpenFile(s.Path(), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	err = s.PutExecution(execRec("e1", "dev", "f", "RUNNING", t0))
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("got %v, want ErrLocked", err)
	}
	want := "state " + s.Path() + ": locked by another flowctl process for more than 100ms ("
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %q, want it to start %q", err, want)
	}
	if _, err := Open(s.Path(), Options{LockTimeout: 50 * time.Millisecond}); !errors.Is(err, ErrLocked) {
		t.Errorf("Open: got %v, want ErrLocked", err)
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	if err := s.PutExecution(execRec("e1", "dev", "f", "RUNNING", t0)); err != nil {
		t.Errorf("after the lock was let go: %v", err)
	}
}

func TestErrorText(t *testing.T) {
	e := &Error{Path: "/s.db", Msg: "damaged", Hint: "move it"}
	if got, want := e.Error(), "state /s.db: damaged (move it)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	e.Hint = ""
	if got, want := e.Error(), "state /s.db: damaged"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
