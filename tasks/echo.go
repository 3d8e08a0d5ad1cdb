package tasks

import (
	"context"
	"fmt"
)

// echoDef is Kestra's deprecated Echo task, which logs as Log does.
var echoDef = &Def{
	Type:    "io.kestra.plugin.core.debug.Echo",
	Aliases: []string{"io.kestra.core.tasks.debugs.Echo"},
	Doc:     "Write a message to the task's log (deprecated in Kestra: use Log).",
	New:     func() Task { return &Echo{} },
}

// Echo writes its rendered format to the task's log at its level.
type Echo struct {
	Format string `flow:"format,required" doc:"the message to log, rendered"`
	Level  string `flow:"level" enum:"TRACE,DEBUG,INFO,WARN,ERROR" doc:"the level of the entry (default INFO)"`
}

// Run logs the format. The level is not rendered: Kestra's Echo takes it as written.
func (t *Echo) Run(ctx context.Context, tc *Context) (Result, error) {
	level := LevelInfo
	if t.Level != "" {
		l, err := ParseLevel(t.Level)
		if err != nil {
			return Result{}, fmt.Errorf("level: %w", err)
		}
		level = l
	}
	msg, err := tc.render("format", t.Format)
	if err != nil {
		return Result{}, err
	}
	tc.Log.Log(level, msg)
	return Result{}, nil
}
