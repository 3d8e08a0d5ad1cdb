package tasks

import "context"

// pythonCommandsDef is Kestra's Python Commands task.
var pythonCommandsDef = &Def{
	Type:        "io.kestra.plugin.scripts.python.Commands",
	Doc:         "Run shell commands that call Python (python3 main.py), as a local process.",
	New:         func() Task { return &PythonCommands{} },
	Unsupported: pythonUnsupported,
}

// PythonCommands runs its commands like ShellCommands, with Python's output unbuffered so
// print() reaches the log as it happens.
type PythonCommands CommandsProps

// Run runs the commands after the beforeCommands.
func (t *PythonCommands) Run(ctx context.Context, tc *Context) (Result, error) {
	p := (*CommandsProps)(t)
	commands, err := renderCommands(tc, p.Commands)
	if err != nil {
		return Result{}, err
	}
	return runScript(ctx, tc, p.exec(), scriptBody{commands: commands, isPython: true})
}
