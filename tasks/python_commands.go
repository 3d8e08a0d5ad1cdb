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
// print() reaches the log as it happens; with dependencies, in a virtual environment that
// holds them.
type PythonCommands struct {
	Commands []string `flow:"commands,required" doc:"the shell commands to run, rendered"`
	ProcessProps
	PythonDeps
}

// Run runs the commands after the beforeCommands.
func (t *PythonCommands) Run(ctx context.Context, tc *Context) (Result, error) {
	commands, err := renderCommands(tc, t.Commands)
	if err != nil {
		return Result{}, err
	}
	return runScript(ctx, tc, t.exec(), scriptBody{commands: commands, isPython: true, deps: &t.PythonDeps})
}
