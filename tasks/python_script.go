package tasks

import "context"

// pythonScriptDef is Kestra's Python Script task.
var pythonScriptDef = &Def{
	Type:        "io.kestra.plugin.scripts.python.Script",
	Doc:         "Run a Python script with the local python3, its dependencies installed with pip first.",
	New:         func() Task { return &PythonScript{} },
	Unsupported: pythonUnsupported,
}

// PythonScript writes its script to a .py file in the working folder and runs it with
// python3, through the interpreter after the beforeCommands (so a beforeCommand can set up a
// virtual environment first). With dependencies, python3 is a virtual environment's that
// holds them.
type PythonScript struct {
	Script string `flow:"script,required" doc:"the Python script to run, rendered"`
	ProcessProps
	PythonDeps
}

// Run runs the script.
func (t *PythonScript) Run(ctx context.Context, tc *Context) (Result, error) {
	script, err := renderScript(tc, t.Script)
	if err != nil {
		return Result{}, err
	}
	return runScript(ctx, tc, t.exec(), scriptBody{python: script, isPython: true, deps: &t.PythonDeps})
}
