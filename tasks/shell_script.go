package tasks

import "context"

// shellScriptDef is Kestra's shell Script task.
var shellScriptDef = &Def{
	Type:        "io.kestra.plugin.scripts.shell.Script",
	Doc:         "Run a shell script as a local process.",
	New:         func() Task { return &ShellScript{} },
	Unsupported: scriptUnsupported,
}

// ShellScript runs its script with the interpreter (/bin/sh -c by default).
type ShellScript ScriptProps

// Run runs the script as the command line's last command.
func (t *ShellScript) Run(ctx context.Context, tc *Context) (Result, error) {
	p := (*ScriptProps)(t)
	script, err := renderScript(tc, p.Script)
	if err != nil {
		return Result{}, err
	}
	return runScript(ctx, tc, p.exec(), scriptBody{commands: []string{script}, script: true})
}
