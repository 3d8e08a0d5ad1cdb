package tasks

import "context"

// shellCommandsDef is Kestra's shell Commands task.
var shellCommandsDef = &Def{
	Type:        "io.kestra.plugin.scripts.shell.Commands",
	Doc:         "Run shell commands as a local process.",
	New:         func() Task { return &ShellCommands{} },
	Unsupported: scriptUnsupported,
}

// ShellCommands runs its commands, one per line, with the interpreter (/bin/sh -c by
// default).
type ShellCommands CommandsProps

// Run runs the commands after the beforeCommands.
func (t *ShellCommands) Run(ctx context.Context, tc *Context) (Result, error) {
	p := (*CommandsProps)(t)
	commands, err := renderCommands(tc, p.Commands)
	if err != nil {
		return Result{}, err
	}
	return runScript(ctx, tc, p.exec(), scriptBody{commands: commands})
}
