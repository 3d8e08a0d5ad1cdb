package tasks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
)

// ansibleCLIDef is Kestra's AnsibleCLI task.
var ansibleCLIDef = &Def{
	Type:        "io.kestra.plugin.ansible.cli.AnsibleCLI",
	Doc:         "Run ansible-playbook commands with the Ansible installed on this machine.",
	New:         func() Task { return &AnsibleCLI{} },
	Unsupported: cliUnsupported,
}

// AnsibleCLI runs its commands with /bin/bash -c, as Kestra's does, after installing the
// requirements files the working folder holds.
type AnsibleCLI struct {
	Commands                      []string          `flow:"commands,required" vars:"workingDir" doc:"the shell commands to run, rendered; {{ workingDir }} is the working folder"`
	BeforeCommands                []string          `flow:"beforeCommands" vars:"workingDir" doc:"shell commands run first; {{ workingDir }} is the working folder"`
	Env                           map[string]string `flow:"env" doc:"environment variables added to the inherited environment"`
	InputFiles                    map[string]string `flow:"inputFiles" doc:"files written into the working folder before the run: relative name to content, or to a kestra:// URI to copy in"`
	OutputFiles                   []string          `flow:"outputFiles" doc:"globs of files of the working folder to keep in the internal storage; their kestra:// URIs are in outputs.outputFiles"`
	ContainerImage                string            `flow:"containerImage,ignored" doc:"the container image; flowctl runs the tool installed on this machine"`
	TaskRunner                    map[string]any    `flow:"taskRunner" doc:"the task runner; only io.kestra.plugin.core.runner.Process is used"`
	NamespaceFiles                *NamespaceFiles   `flow:"namespaceFiles" doc:"files of the flow's namespace copied into the working folder first (flowctl namespace files push)"`
	AnsibleConfig                 string            `flow:"ansibleConfig" vars:"workingDir" doc:"the ansible.cfg written into the working folder (unless inputFiles has one); {{ workingDir }} is the folder"`
	OutputLogFile                 *bool             `flow:"outputLogFile" doc:"keep Ansible's log file as outputs.outputFiles.log (default false)"`
	AutoInstallPythonRequirements *bool             `flow:"autoInstallPythonRequirements" doc:"pip install -r requirements.txt first when the working folder has one (default true)"`
	AutoInstallGalaxyRequirements *bool             `flow:"autoInstallGalaxyRequirements" doc:"ansible-galaxy install -r requirements.yml first when the working folder has one (default true)"`
	OutputsMode                   string            `flow:"outputsMode,ignored" enum:"ALL,EXPLICIT" doc:"Kestra's capture of playbook results as outputs; flowctl logs Ansible's own output instead"`
}

// workingDirVar is the one variable Kestra adds for ansibleConfig: the working folder.
var workingDirVar = regexp.MustCompile(`\{\{-?\s*workingDir\s*-?\}\}`)

// Run writes ansible.cfg and runs the commands.
func (t *AnsibleCLI) Run(ctx context.Context, tc *Context) (Result, error) {
	logFile := t.OutputLogFile != nil && *t.OutputLogFile
	// The working folder is made after the commands are rendered: the shell gives its path,
	// from the WORKING_DIR every script has.
	shellVar := func(list []string) []string {
		out := make([]string, len(list))
		for i, c := range list {
			out[i] = workingDirVar.ReplaceAllLiteralString(c, "${WORKING_DIR}")
		}
		return out
	}
	p := CLIProps{BeforeCommands: shellVar(t.BeforeCommands), Env: t.Env, InputFiles: t.InputFiles, OutputFiles: t.OutputFiles, TaskRunner: t.TaskRunner, NamespaceFiles: t.NamespaceFiles}
	raw := p.exec(nil, false, []string{"/bin/bash", "-c"})
	tool := &cliTool{
		prefix:  "ansible",
		install: "install Ansible (pip install ansible, or your system's package)",
		env:     map[string]string{},
	}
	// As Kestra's: the file test runs in the shell, so the files may come from inputFiles,
	// namespaceFiles or a task before in a WorkingDirectory.
	if t.AutoInstallPythonRequirements == nil || *t.AutoInstallPythonRequirements {
		tool.setup = append(tool.setup, "[ ! -f requirements.txt ] || pip install --no-cache-dir -r requirements.txt")
	}
	if t.AutoInstallGalaxyRequirements == nil || *t.AutoInstallGalaxyRequirements {
		tool.setup = append(tool.setup, "[ ! -f requirements.yml ] || ansible-galaxy install -r requirements.yml")
	}
	if logFile {
		raw.outputFiles = append(slices.Clip(raw.outputFiles), "log")
	}
	tool.prepare = func(workDir string) error {
		if logFile {
			tool.env["ANSIBLE_LOG_PATH"] = filepath.Join(workDir, "log")
		}
		if t.AnsibleConfig == "" {
			return nil
		}
		path := filepath.Join(workDir, "ansible.cfg")
		if _, ok := t.InputFiles["ansible.cfg"]; ok {
			tc.Log.Warnf("Found an existing ansible.cfg file. Ignoring creation of a new ansible.cfg file.")
			return nil
		}
		cfg, err := tc.render("ansibleConfig", workingDirVar.ReplaceAllLiteralString(t.AnsibleConfig, workDir))
		if err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
			return fmt.Errorf("ansibleConfig: %w", err)
		}
		return nil
	}
	return runCLI(ctx, tc, raw, shellVar(t.Commands), tool)
}
