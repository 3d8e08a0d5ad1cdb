package tasks

import (
	"context"
	"fmt"
	"os"
)

// gcloudCLIDef is Kestra's GCloudCLI task.
var gcloudCLIDef = &Def{
	Type:        "io.kestra.plugin.gcp.cli.GCloudCLI",
	Doc:         "Run gcloud commands with the Google Cloud CLI installed on this machine, a service account key passed as a file.",
	New:         func() Task { return &GCloudCLI{} },
	Unsupported: cliUnsupported,
}

// GCloudCLI runs its commands with /bin/sh -c. It takes no beforeCommands, as Kestra's does
// not.
type GCloudCLI struct {
	Commands       []string          `flow:"commands,required" doc:"the shell commands to run, rendered"`
	Env            map[string]string `flow:"env" doc:"environment variables added to the inherited environment, over those the task sets"`
	InputFiles     map[string]string `flow:"inputFiles" doc:"files written into the working folder before the run: relative name to content, or to a kestra:// URI to copy in"`
	OutputFiles    []string          `flow:"outputFiles" doc:"globs of files of the working folder to keep in the internal storage; their kestra:// URIs are in outputs.outputFiles"`
	ContainerImage string            `flow:"containerImage,ignored" doc:"the container image; flowctl runs the tool installed on this machine"`
	TaskRunner     map[string]any    `flow:"taskRunner" doc:"the task runner; only io.kestra.plugin.core.runner.Process is used"`
	NamespaceFiles *NamespaceFiles   `flow:"namespaceFiles" doc:"files of the flow's namespace copied into the working folder first (flowctl namespace files push)"`
	ServiceAccount string            `flow:"serviceAccount" doc:"a service account's JSON key, written to a file GOOGLE_APPLICATION_CREDENTIALS and CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE name; masked"`
	ProjectID      string            `flow:"projectId" doc:"CLOUDSDK_CORE_PROJECT: the default project"`
}

// Run writes the service account key, sets the variables gcloud reads and runs the commands.
func (t *GCloudCLI) Run(ctx context.Context, tc *Context) (Result, error) {
	key, err := tc.render("serviceAccount", t.ServiceAccount)
	if err != nil {
		return Result{}, err
	}
	if key != "" && tc.Mask != nil {
		tc.Mask(key)
	}
	project, err := tc.render("projectId", t.ProjectID)
	if err != nil {
		return Result{}, err
	}
	tool := &cliTool{prefix: "gcloud", install: "install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install)", env: map[string]string{}}
	if project != "" {
		tool.env["CLOUDSDK_CORE_PROJECT"] = project
	}
	var keyFile string
	if key != "" {
		tool.prepare = func(workDir string) error {
			f, err := os.CreateTemp(workDir, ".gcloud-key-*.json") // 0600: it is a credential
			if err != nil {
				return fmt.Errorf("serviceAccount: %w", err)
			}
			_, werr := f.WriteString(key)
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil {
				return fmt.Errorf("serviceAccount: %w", werr)
			}
			keyFile = f.Name()
			tool.env["GOOGLE_APPLICATION_CREDENTIALS"] = keyFile
			tool.env["CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE"] = keyFile
			return nil
		}
		// In a WorkingDirectory's shared folder the next tasks must not find the key.
		tool.finish = func(string, *Result, error) error {
			if keyFile != "" {
				return os.Remove(keyFile)
			}
			return nil
		}
	}
	p := CLIProps{Env: t.Env, InputFiles: t.InputFiles, OutputFiles: t.OutputFiles, TaskRunner: t.TaskRunner, NamespaceFiles: t.NamespaceFiles}
	return runCLI(ctx, tc, p.exec(nil, true, defaultInterpreter), t.Commands, tool)
}
