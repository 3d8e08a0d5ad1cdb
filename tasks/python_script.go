package tasks

import "context"

// pythonScriptDef is Kestra's Python Script task.
var pythonScriptDef = &Def{
	Type:        "io.kestra.plugin.scripts.python.Script",
	Doc:         "Run a Python script with the local python3.",
	New:         func() Task { return &PythonScript{} },
	Unsupported: pythonUnsupported,
}

// PythonScript writes its script to a .py file in the working folder and runs it with
// python3, through the interpreter after the beforeCommands (so a beforeCommand can set up a
// virtual environment first).
type PythonScript ScriptProps

// Run runs the script.
func (t *PythonScript) Run(ctx context.Context, tc *Context) (Result, error) {
	p := (*ScriptProps)(t)
	script, err := renderScript(tc, p.Script)
	if err != nil {
		return Result{}, err
	}
	return runScript(ctx, tc, p.exec(), scriptBody{python: script, isPython: true})
}
