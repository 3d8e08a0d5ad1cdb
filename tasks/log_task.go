package tasks

import (
	"context"
	"fmt"
)

// logDef is Kestra's Log task.
var logDef = &Def{
	Type:    "io.kestra.plugin.core.log.Log",
	Aliases: []string{"io.kestra.core.tasks.log.Log"},
	Doc:     "Write one message, or several, to the task's log.",
	New:     func() Task { return &Log{} },
}

// Log writes its messages to the task's log, each as its own entry.
type Log struct {
	Message StringList `flow:"message,required" doc:"the message, or a list of messages, each logged as its own entry"`
	Level   string     `flow:"level" enum:"TRACE,DEBUG,INFO,WARN,ERROR" doc:"the level of the entries (default INFO)"`
}

// Run renders every message before logging any, so a message that fails to render leaves no
// half-written log behind.
func (t *Log) Run(ctx context.Context, tc *Context) (Result, error) {
	level := LevelInfo
	if t.Level != "" {
		s, err := tc.render("level", t.Level)
		if err != nil {
			return Result{}, err
		}
		if level, err = ParseLevel(s); err != nil {
			return Result{}, fmt.Errorf("level: %w", err)
		}
	}
	msgs, err := tc.renderList("message", t.Message)
	if err != nil {
		return Result{}, err
	}
	for _, m := range msgs {
		tc.Log.Log(level, m)
	}
	return Result{}, nil
}
