//go:build !linux

package tasks

import "syscall"

// taskTree is the processes of one task run. Without Linux's /proc, flowctl knows only the
// process group it started: a process that left it (setsid) is not found.
type taskTree struct {
	leader int
}

func (t *taskTree) init(leader int) { t.leader = leader }

// terminate sends SIGTERM to the group.
func (t *taskTree) terminate(leader int) {
	if leader > 0 { // kill(-0) would be flowctl's own group
		_ = syscall.Kill(-leader, syscall.SIGTERM)
	}
}

// kill sends SIGKILL to the group.
func (t *taskTree) kill() {
	if t.leader > 0 {
		_ = syscall.Kill(-t.leader, syscall.SIGKILL)
	}
}

// AdoptOrphans does nothing: only Linux has child subreapers.
func AdoptOrphans() {}

func reapOrphans() {}

func adopt() {}
