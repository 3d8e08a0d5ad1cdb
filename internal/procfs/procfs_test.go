//go:build linux

package procfs

import (
	"os"
	"testing"
)

func TestParseTakesTheFieldsAfterTheCommandName(t *testing.T) {
	// A command name may hold spaces and parentheses.
	line := "4242 (a) b (c)) S 17 4240 4240 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 100\n"
	got, err := parse(4242, []byte(line))
	if err != nil {
		t.Fatal(err)
	}
	want := Proc{PID: 4242, PPID: 17, PGID: 4240, State: 'S', Start: 987654}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	for _, bad := range []string{"", "4242 (a S 1 2", "4242 (a) S x 1 1 0 -1 0 0 0 0 0 0 0 0 0 0 0 0 0 1 0 0"} {
		if _, err := parse(4242, []byte(bad)); err == nil {
			t.Errorf("parse(%q): got no error", bad)
		}
	}
}

func TestReadAndAllSeeThisProcess(t *testing.T) {
	me, err := Read(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if me.PPID != os.Getppid() || me.Start == 0 || me.Exited() {
		t.Errorf("Read(self): got %+v, want parent %d, a start time, running", me, os.Getppid())
	}
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range all {
		found = found || (p.PID == me.PID && p.Start == me.Start)
	}
	if !found {
		t.Errorf("All: this process %+v not among %d processes", me, len(all))
	}
}
