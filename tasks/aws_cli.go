package tasks

import (
	"context"
	"slices"
	"strings"
)

// awsCLIDef is Kestra's AwsCLI task.
var awsCLIDef = &Def{
	Type:        "io.kestra.plugin.aws.cli.AwsCLI",
	Doc:         "Run aws commands with the AWS CLI installed on this machine, credentials passed as AWS_* variables.",
	New:         func() Task { return &AwsCLI{} },
	Unsupported: append(slices.Clip(cliUnsupported), "stsRoleArn", "stsRoleExternalId", "stsRoleSessionName", "stsRoleSessionDuration", "stsCredentialSource"),
}

// AwsCLI runs its commands with /bin/sh -c, the connection properties given to the aws
// command as the environment variables it reads.
type AwsCLI struct {
	CLIProps
	AccessKeyID      string `flow:"accessKeyId" doc:"AWS_ACCESS_KEY_ID, masked in the logs"`
	SecretKeyID      string `flow:"secretKeyId" doc:"AWS_SECRET_ACCESS_KEY, masked in the logs"`
	SessionToken     string `flow:"sessionToken" doc:"AWS_SESSION_TOKEN, masked in the logs"`
	Region           string `flow:"region" doc:"AWS_DEFAULT_REGION"`
	EndpointOverride string `flow:"endpointOverride" doc:"AWS_ENDPOINT_URL: another endpoint than AWS's (MinIO, LocalStack)"`
	OutputFormat     string `flow:"outputFormat" enum:"JSON,TEXT,TABLE,YAML" doc:"AWS_DEFAULT_OUTPUT (default JSON)"`
	// Connection properties Kestra's AwsCLI has and does not use either.
	CompatibilityMode   *bool  `flow:"compatibilityMode,ignored" doc:"a connection setting of Kestra's SDK tasks; the aws command does not use it"`
	ForcePathStyle      *bool  `flow:"forcePathStyle,ignored" doc:"a connection setting of Kestra's SDK tasks; the aws command does not use it"`
	StsEndpointOverride string `flow:"stsEndpointOverride,ignored" doc:"a connection setting of Kestra's SDK tasks; the aws command does not use it"`
}

// Run renders the connection properties into AWS_* variables, under the task's env (which
// wins, as in Kestra), and runs the commands.
func (t *AwsCLI) Run(ctx context.Context, tc *Context) (Result, error) {
	env := map[string]string{}
	for _, v := range []struct {
		prop, tmpl, name string
		secret           bool
	}{
		{"accessKeyId", t.AccessKeyID, "AWS_ACCESS_KEY_ID", true},
		{"secretKeyId", t.SecretKeyID, "AWS_SECRET_ACCESS_KEY", true},
		{"sessionToken", t.SessionToken, "AWS_SESSION_TOKEN", true},
		{"region", t.Region, "AWS_DEFAULT_REGION", false},
		{"endpointOverride", t.EndpointOverride, "AWS_ENDPOINT_URL", false},
	} {
		if v.tmpl == "" {
			continue
		}
		s, err := tc.render(v.prop, v.tmpl)
		if err != nil {
			return Result{}, err
		}
		// Written in clear in the flow, a key is still a secret: mask it like one.
		if v.secret && tc.Mask != nil && s != "" {
			tc.Mask(s)
		}
		env[v.name] = s
	}
	format, err := tc.render("outputFormat", t.OutputFormat)
	if err != nil {
		return Result{}, err
	}
	if format == "" {
		format = "JSON"
	}
	env["AWS_DEFAULT_OUTPUT"] = strings.ToLower(format)
	tool := &cliTool{prefix: "aws", install: "install the AWS CLI (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html)", env: env}
	return runCLI(ctx, tc, t.exec(nil, true, defaultInterpreter), t.Commands, tool)
}
