package tasks

import (
	"context"
	"strings"
)

// azCLIDef is Kestra's AzCLI task.
var azCLIDef = &Def{
	Type:        "io.kestra.plugin.azure.cli.AzCLI",
	Doc:         "Run az commands with the Azure CLI installed on this machine, after az login when credentials are given.",
	New:         func() Task { return &AzCLI{} },
	Unsupported: cliUnsupported,
}

// AzCLI runs its commands with /bin/sh -c, after an az login built from its credentials. It
// takes no beforeCommands, as Kestra's does not.
type AzCLI struct {
	Commands         []string          `flow:"commands,required" doc:"the shell commands to run, rendered"`
	Username         string            `flow:"username" doc:"az login -u: a user name or a service principal's application id"`
	Password         string            `flow:"password" doc:"az login -p: the password or the service principal's secret; masked"`
	Tenant           string            `flow:"tenant" doc:"az login --tenant"`
	ServicePrincipal *bool             `flow:"servicePrincipal" doc:"az login --service-principal (default false)"`
	Env              map[string]string `flow:"env" doc:"environment variables added to the inherited environment"`
	InputFiles       map[string]string `flow:"inputFiles" doc:"files written into the working folder before the run: relative name to content, or to a kestra:// URI to copy in"`
	OutputFiles      []string          `flow:"outputFiles" doc:"globs of files of the working folder to keep in the internal storage; their kestra:// URIs are in outputs.outputFiles"`
	ContainerImage   string            `flow:"containerImage,ignored" doc:"the container image; flowctl runs the tool installed on this machine"`
	TaskRunner       map[string]any    `flow:"taskRunner" doc:"the task runner; only io.kestra.plugin.core.runner.Process is used"`
	NamespaceFiles   *NamespaceFiles   `flow:"namespaceFiles" doc:"files of the flow's namespace copied into the working folder first (flowctl namespace files push)"`
}

// Run logs in when a username is given, then runs the commands.
func (t *AzCLI) Run(ctx context.Context, tc *Context) (Result, error) {
	tool := &cliTool{prefix: "az", install: "install the Azure CLI (https://learn.microsoft.com/cli/azure/install-azure-cli)"}
	// The check finds an executable named az exactly: azcopy and the like are not the tool.
	tool.exact = true
	if t.Username != "" {
		var login []string
		for _, a := range []struct{ prop, flag, tmpl string }{{"username", "-u", t.Username}, {"password", "-p", t.Password}, {"tenant", "--tenant", t.Tenant}} {
			if a.tmpl == "" {
				continue
			}
			v, err := tc.render(a.prop, a.tmpl)
			if err != nil {
				return Result{}, err
			}
			if a.prop == "password" && tc.Mask != nil && v != "" {
				tc.Mask(v)
			}
			login = append(login, a.flag, shellQuote(v))
		}
		if t.ServicePrincipal != nil && *t.ServicePrincipal {
			login = append(login, "--service-principal")
		}
		tool.setup = []string{"az login " + strings.Join(login, " ")}
	}
	p := CLIProps{Env: t.Env, InputFiles: t.InputFiles, OutputFiles: t.OutputFiles, TaskRunner: t.TaskRunner, NamespaceFiles: t.NamespaceFiles}
	return runCLI(ctx, tc, p.exec(nil, true, defaultInterpreter), t.Commands, tool)
}
