package tasks

import "context"

// terraformCLIDef is Kestra's TerraformCLI task.
var terraformCLIDef = &Def{
	Type:        "io.kestra.plugin.terraform.cli.TerraformCLI",
	Doc:         "Run terraform commands with the terraform installed on this machine.",
	New:         func() Task { return &TerraformCLI{} },
	Unsupported: cliUnsupported,
}

// TerraformCLI runs its commands with /bin/sh -c, as Kestra's does; the state belongs in a
// remote backend or the working folder, which is removed after the run unless the task is in
// a WorkingDirectory.
type TerraformCLI struct {
	CLIProps
	FailFast *bool `flow:"failFast" doc:"stop at the first failing command: set -e (default true)"`
}

// terraformTool is terraform's check on the PATH.
var terraformTool = &cliTool{
	prefix:  "terraform",
	install: "install Terraform (https://developer.hashicorp.com/terraform/install)",
}

// Run runs the commands after the beforeCommands (terraform init, typically).
func (t *TerraformCLI) Run(ctx context.Context, tc *Context) (Result, error) {
	return runCLI(ctx, tc, t.exec(t.FailFast, true, defaultInterpreter), t.Commands, terraformTool)
}
