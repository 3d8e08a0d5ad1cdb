package state

import (
	"os"
	"os/exec"
	"testing"
)

func TestAliveTellsProcessesApart(t *testing.T) {
	me := Self()
	if me.PID != os.Getpid() || me.Start == 0 || me.BootID == "" {
		t.Fatalf("Self: got %+v, want this pid, its start and the boot id", me)
	}
	if !Alive(me) {
		t.Error("Alive(self): got false")
	}
	reused := me
	reused.Start++
	if Alive(reused) {
		t.Error("a holder whose pid now belongs to another process: got alive")
	}
	rebooted := me
	rebooted.BootID = "another-boot"
	if Alive(rebooted) {
		t.Error("a holder of another boot: got alive")
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if Alive(Holder{PID: cmd.Process.Pid, BootID: me.BootID}) {
		t.Error("a process that ended: got alive")
	}
}
