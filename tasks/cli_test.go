package tasks

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// stubTools writes each script as an executable of that name in a new folder and returns
// a Context whose PATH starts with it, so the task runs the stubs instead of real tools.
func stubTools(t *testing.T, scripts map[string]string) (*Context, *recorder) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tc, rec := newContext(t)
	tc.Environ = append(slices.Clone(tc.Environ), "PATH="+dir+":/usr/bin:/bin")
	return tc, rec
}

// stubDbt prints its arguments and what it was given, logs two JSON events (one warn), and
// writes target/manifest.json and target/run_results.json under --project-dir.
const stubDbt = `
echo "args: $*"
echo "profiles dir: $DBT_PROFILES_DIR unbuffered: $PYTHONUNBUFFERED"
cat "$DBT_PROFILES_DIR/profiles.yml"
project=.
while [ $# -gt 0 ]; do [ "$1" = --project-dir ] && project=$2; shift; done
[ -f "$project/target/manifest.json" ] && echo "loaded: $(cat "$project/target/manifest.json")"
echo '{"info": {"level": "info", "ts": "2024-01-01T00:00:00Z", "thread": "MainThread", "name": "MainReportVersion", "msg": "Running with dbt=1.8.0"}, "data": {}}'
echo '{"info": {"level": "warn", "ts": "2024-01-01T00:00:01Z", "thread": "Thread-1", "name": "LogTestResult", "msg": "WARN 1 not_null"}, "data": {"stats": {"success": 2, "warn": 1}}}'
mkdir -p "$project/target"
echo '{"nodes": {}, "metadata": {"adapter_type": "duckdb"}}' > "$project/target/manifest.json"
cat > "$project/target/run_results.json" <<'EOF'
{"results": [
 {"status": "success", "unique_id": "model.shop.orders", "execution_time": 0.1234, "adapter_response": {"rows_affected": 42}, "message": "OK", "timing": []},
 {"status": "warn", "unique_id": "test.shop.not_null", "execution_time": 0.5, "failures": 1, "message": null, "timing": []}
], "elapsed_time": 1.0}
EOF
exit "${DBT_EXIT:-0}"
`

func TestDbtCLIRunsDbtWithKestraFlagsProfilesAndRunResults(t *testing.T) {
	tc, rec := stubTools(t, map[string]string{"dbt": stubDbt})
	kv := newMemKV()
	tc.KV = kv
	if err := kv.Set("dev", "manifest.json", KVValue{Type: KVJSON, Value: map[string]any{"old": true}}, KVSetOptions{}); err != nil {
		t.Fatal(err)
	}
	task := &DbtCLI{
		CommandsProps: CommandsProps{Commands: []string{"dbt build --target {{ name }}", "echo done"}},
		Profiles:      "shop:\n  target: dev\n",
		ProjectDir:    "dbt",
		LoadManifest:  &DbtManifest{Key: "manifest.json", Namespace: "dev"},
		StoreManifest: &DbtManifest{Key: "manifest.json", Namespace: "dev"},
	}
	res, err := task.Run(context.Background(), tc)
	if err != nil {
		t.Fatalf("Run: %v%s", err, rec.dump())
	}
	for _, want := range []string{
		"args: build --target world --project-dir dbt --log-format json --log-path logs",
		"shop:", "target: dev", // trimmed, as Kestra logs dbt's plain lines
		`loaded: {"old":true}`,
		"[Date: 2024-01-01T00:00:00Z] [Thread: MainThread] [Type: MainReportVersion] Running with dbt=1.8.0",
		"model.shop.orders => success in 0.12s",
		"OK",
		"done",
	} {
		if !rec.has(LevelInfo, want) {
			t.Errorf("INFO %q: not logged; got%s", want, rec.dump())
		}
	}
	for _, want := range []string{
		"[Date: 2024-01-01T00:00:01Z] [Thread: Thread-1] [Type: LogTestResult] WARN 1 not_null",
		"test.shop.not_null => warn in 0.50s (1 failure)",
	} {
		if !rec.has(LevelWarn, want) {
			t.Errorf("WARN %q: not logged; got%s", want, rec.dump())
		}
	}
	var profilesDir string
	for _, l := range rec.at(LevelInfo) {
		if d, ok := strings.CutPrefix(l, "profiles dir: "); ok {
			profilesDir = d
		}
	}
	if !strings.HasSuffix(profilesDir, " unbuffered: true") || !strings.Contains(profilesDir, "flowctl-task-") {
		t.Errorf("DBT_PROFILES_DIR and PYTHONUNBUFFERED: got %q, want the working folder and true", profilesDir)
	}
	if !res.Warning {
		t.Error("Warning: got false, want true (dbt logged a warn event)")
	}
	files, _ := res.Outputs["outputFiles"].(map[string]any)
	st := tc.Storage.(*memStorage)
	if got := st.content(files["manifest.json"].(string)); !strings.Contains(got, `"adapter_type": "duckdb"`) {
		t.Errorf("outputFiles.manifest.json: got %q, want the manifest dbt wrote", got)
	}
	if got := st.content(files["run_results.json"].(string)); !strings.Contains(got, "model.shop.orders") {
		t.Errorf("outputFiles.run_results.json: got %q, want the run results", got)
	}
	v, ok, err := kv.Get("dev", "manifest.json")
	if b, _ := json.Marshal(v.Value); !ok || err != nil || !strings.Contains(string(b), `"adapter_type":"duckdb"`) {
		t.Errorf("storeManifest: got %v %v %v, want the new manifest in the KV store", v, ok, err)
	}
	want := []Metric{{Name: "rows.affected", Type: "counter", Value: 42}, {Name: "success", Type: "counter", Value: 2}, {Name: "warn", Type: "counter", Value: 1}}
	for _, m := range want {
		if !slices.ContainsFunc(res.Metrics, func(g Metric) bool { return g.Name == m.Name && g.Value == m.Value }) {
			t.Errorf("metrics: got %v, want %v among them", res.Metrics, m)
		}
	}
}

func TestDbtCLIReadsRunResultsOfAFailedRun(t *testing.T) {
	tc, rec := stubTools(t, map[string]string{"dbt": strings.Replace(stubDbt, `"status": "success"`, `"status": "error"`, 1)})
	task := &DbtCLI{
		CommandsProps: CommandsProps{Commands: []string{"dbt run"}, ProcessProps: ProcessProps{Env: map[string]string{"DBT_EXIT": "1"}}},
		LogFormat:     "TEXT",
	}
	res, err := task.Run(context.Background(), tc)
	if err == nil || !strings.Contains(err.Error(), "exit code 1") {
		t.Fatalf("Run: got %v, want the exit code's error", err)
	}
	if !rec.has(LevelInfo, "args: run --log-format text --log-path logs") {
		t.Errorf("dbt's arguments: got%s", rec.dump())
	}
	if !rec.has(LevelError, "model.shop.orders => error in 0.12s") {
		t.Errorf("failed model: not logged at ERROR; got%s", rec.dump())
	}
	if files, _ := res.Outputs["outputFiles"].(map[string]any); files["run_results.json"] == nil {
		t.Errorf("outputFiles: got %v, want run_results.json kept though the run failed", files)
	}
	if got := res.Outputs["exitCode"]; got != 1 {
		t.Errorf("exitCode: got %v, want 1", got)
	}
}

func TestDbtCLICommandFlags(t *testing.T) {
	for _, c := range []struct{ in, dir, format, want string }{
		{"dbt deps", "", "JSON", "dbt deps --log-format json --log-path logs"},
		{"dbt build --project-dir x --log-format text", "dbt", "JSON", "dbt build --project-dir x --log-format text --log-path logs"},
		{"dbt test --log-path l", "p", "NONE", "dbt test --log-path l --project-dir p"},
		{"echo dbt", "p", "JSON", "echo dbt"},
	} {
		got := dbtCommand(c.in, c.dir, c.format)
		if got != c.want {
			t.Errorf("dbtCommand(%q, %q, %q): got %q, want %q", c.in, c.dir, c.format, got, c.want)
		}
	}
}

func TestCLIToolMissingIsNamedWithHowToInstall(t *testing.T) {
	// Only the stubs' folder on the PATH: a terraform or dbt installed here is not found.
	tc, _ := stubTools(t, nil)
	onlyStubs := "PATH=" + t.TempDir()
	tc.Environ = append(tc.Environ, onlyStubs)
	_, err := (&TerraformCLI{CLIProps: CLIProps{Commands: []string{"terraform plan"}}}).Run(context.Background(), tc)
	if err == nil || !strings.Contains(err.Error(), "terraform not found on the PATH: install Terraform") {
		t.Errorf("terraform missing: got %v, want a not found error saying how to install it", err)
	}
	_, err = (&DbtCLI{CommandsProps: CommandsProps{Commands: []string{"dbt build"}}}).Run(context.Background(), tc)
	if err == nil || !strings.Contains(err.Error(), "dbt not found on the PATH: "+dbtInstall) {
		t.Errorf("dbt missing: got %v, want a not found error saying how to install it", err)
	}

	// az login needs az though no command names it.
	_, err = (&AzCLI{Commands: []string{"echo listing"}, Username: "u"}).Run(context.Background(), tc)
	if err == nil || !strings.Contains(err.Error(), "az not found on the PATH: install the Azure CLI") {
		t.Errorf("az missing for az login: got %v, want a not found error", err)
	}
	// A command that does not run the tool needs no tool.
	tc, rec := stubTools(t, nil)
	tc.Environ = append(tc.Environ, onlyStubs)
	if _, err := (&TerraformCLI{CLIProps: CLIProps{Commands: []string{"echo no terraform here"}}}).Run(context.Background(), tc); err != nil || !rec.has(LevelInfo, "no terraform here") {
		t.Errorf("no tool command: got %v, want it run;%s", err, rec.dump())
	}

	// beforeCommands may install the tool: the check runs after them, in the shell.
	tc, rec = stubTools(t, nil)
	tc.Environ = append(tc.Environ, onlyStubs)
	bin := t.TempDir()
	task := &AnsibleCLI{
		BeforeCommands: []string{"printf '#!/bin/sh\\necho playbook \"$@\"\\n' > " + bin + "/ansible-playbook", "/bin/chmod +x " + bin + "/ansible-playbook", "export PATH=" + bin + ":$PATH"},
		Commands:       []string{"ansible-playbook site.yml"},
	}
	if _, err := task.Run(context.Background(), tc); err != nil || !rec.has(LevelInfo, "playbook site.yml") {
		t.Errorf("tool installed by beforeCommands: got %v, want it run;%s", err, rec.dump())
	}
	tc, rec = stubTools(t, nil)
	tc.Environ = append(tc.Environ, onlyStubs)
	task = &AnsibleCLI{BeforeCommands: []string{"true"}, Commands: []string{"ansible-playbook site.yml"}}
	if _, err := task.Run(context.Background(), tc); err == nil || !slices.ContainsFunc(rec.at(LevelError), func(l string) bool {
		return strings.HasPrefix(l, "ansible-playbook not found on the PATH: install Ansible")
	}) {
		t.Errorf("tool still missing after beforeCommands: got %v, want a failure naming it;%s", err, rec.dump())
	}
}

func TestAwsCLIPassesCredentialsAsEnvironmentAndMasksThem(t *testing.T) {
	tc, rec := stubTools(t, map[string]string{"aws": `echo "aws $* id=$AWS_ACCESS_KEY_ID key=$AWS_SECRET_ACCESS_KEY token=$AWS_SESSION_TOKEN region=$AWS_DEFAULT_REGION output=$AWS_DEFAULT_OUTPUT endpoint=$AWS_ENDPOINT_URL"` + "\necho s3 listing > listing.txt\n"})
	var masked []string
	tc.Mask = func(v string) { masked = append(masked, v) }
	task := &AwsCLI{
		CLIProps:     CLIProps{Commands: []string{"aws s3 ls"}, Env: map[string]string{"AWS_DEFAULT_REGION": "eu-west-3"}, OutputFiles: []string{"*.txt"}},
		AccessKeyID:  "AKIA{{ name }}",
		SecretKeyID:  "s3cr3t",
		SessionToken: "tok",
		Region:       "us-east-1",
		OutputFormat: "TEXT",
	}
	res, err := task.Run(context.Background(), tc)
	if err != nil {
		t.Fatalf("Run: %v%s", err, rec.dump())
	}
	if want := "aws s3 ls id=AKIAworld key=s3cr3t token=tok region=eu-west-3 output=text endpoint="; !rec.has(LevelInfo, want) {
		t.Errorf("aws's environment: got%s, want %q (the task's env over region)", rec.dump(), want)
	}
	if !slices.Equal(masked, []string{"AKIAworld", "s3cr3t", "tok"}) {
		t.Errorf("masked: got %q, want the key id, the secret key and the token", masked)
	}
	files, _ := res.Outputs["outputFiles"].(map[string]any)
	if got := tc.Storage.(*memStorage).content(files["listing.txt"].(string)); got != "s3 listing\n" {
		t.Errorf("outputFiles.listing.txt: got %q", got)
	}
}

func TestTerraformCLIRunsBeforeCommandsThenCommandsAndKeepsOutputFiles(t *testing.T) {
	tc, rec := stubTools(t, map[string]string{"terraform": `echo "terraform $* TF_VAR_region=$TF_VAR_region"; [ "$1" = plan ] && echo plan > tfplan; [ "$1" != fail ]`})
	no := false
	task := &TerraformCLI{
		CLIProps: CLIProps{
			BeforeCommands: []string{"terraform init"},
			Commands:       []string{"terraform fail", "terraform plan -out=tfplan"},
			Env:            map[string]string{"TF_VAR_region": "us-east-1"},
			InputFiles:     map[string]string{"main.tf": "terraform {}"},
			OutputFiles:    []string{"tfplan"},
		},
		FailFast: &no,
	}
	res, err := task.Run(context.Background(), tc)
	if err != nil {
		t.Fatalf("Run: %v%s", err, rec.dump())
	}
	if got, want := rec.at(LevelInfo), []string{"terraform init TF_VAR_region=us-east-1", "terraform fail TF_VAR_region=us-east-1", "terraform plan -out=tfplan TF_VAR_region=us-east-1"}; !slices.Equal(got, want) {
		t.Errorf("lines: got %q, want %q", got, want)
	}
	files, _ := res.Outputs["outputFiles"].(map[string]any)
	if files["tfplan"] == nil {
		t.Errorf("outputFiles: got %v, want tfplan", files)
	}
	task.FailFast = nil
	if _, err := task.Run(context.Background(), tc); err == nil {
		t.Error("failFast by default: got success, want the failing command to fail the task")
	}
}

func TestAnsibleCLIWritesConfigInstallsRequirementsAndKeepsTheLog(t *testing.T) {
	tc, rec := stubTools(t, map[string]string{
		"ansible-playbook": `echo "playbook $*"; cat ansible.cfg; echo logged > "$ANSIBLE_LOG_PATH"; echo deprecation warning >&2`,
		"pip":              `echo "pip $*"`,
		"ansible-galaxy":   `echo "galaxy $*"`,
	})
	yes := true
	task := &AnsibleCLI{
		BeforeCommands: []string{`echo "before in {{ workingDir }}"`},
		Commands:       []string{"ansible-playbook -i inventory.ini site.yml", "echo 'in {{workingDir}}' {{ workingDir }}"},
		InputFiles:     map[string]string{"requirements.txt": "requests\n", "site.yml": "- hosts: localhost\n"},
		AnsibleConfig:  "[defaults]\nlog_path = {{ workingDir }}/log\nforks = {{ name }}\n",
		OutputLogFile:  &yes,
	}
	res, err := task.Run(context.Background(), tc)
	if err != nil {
		t.Fatalf("Run: %v%s", err, rec.dump())
	}
	got := rec.at(LevelInfo)
	if len(got) != 7 || !strings.HasPrefix(got[0], "before in /") || got[1] != "pip install --no-cache-dir -r requirements.txt" || got[2] != "playbook -i inventory.ini site.yml" ||
		got[4] != "log_path = "+strings.TrimPrefix(got[0], "before in ")+"/log" || got[5] != "forks = world" || !strings.HasPrefix(got[6], "in ${WORKING_DIR} /") {
		t.Errorf("lines: got %q, want the beforeCommands, pip, the playbook, the rendered ansible.cfg (no galaxy: no requirements.yml), the folder", got)
	}
	if res.Warning {
		t.Error("Warning: got true, want false (Ansible's stderr does not make a WARNING)")
	}
	files, _ := res.Outputs["outputFiles"].(map[string]any)
	if got := tc.Storage.(*memStorage).content(files["log"].(string)); got != "logged\n" {
		t.Errorf("outputFiles.log: got %q, want Ansible's log", got)
	}
}

func TestGCloudCLIWritesTheKeyAsAFileAndRemovesIt(t *testing.T) {
	tc, rec := stubTools(t, map[string]string{"gcloud": `echo "gcloud $* project=$CLOUDSDK_CORE_PROJECT same=$([ "$GOOGLE_APPLICATION_CREDENTIALS" = "$CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE" ] && echo yes)"; cat "$GOOGLE_APPLICATION_CREDENTIALS"; echo; ls -a`})
	var masked []string
	tc.Mask = func(v string) { masked = append(masked, v) }
	dir := t.TempDir()
	tc.WorkDir = func() (string, error) { return dir, nil } // a WorkingDirectory's folder, kept after the run
	task := &GCloudCLI{Commands: []string{"gcloud run deploy"}, ServiceAccount: `{"type": "service_account"}`, ProjectID: "p-{{ name }}"}
	if _, err := task.Run(context.Background(), tc); err != nil {
		t.Fatalf("Run: %v%s", err, rec.dump())
	}
	for _, want := range []string{"gcloud run deploy project=p-world same=yes", `{"type": "service_account"}`} {
		if !rec.has(LevelInfo, want) {
			t.Errorf("INFO %q: not logged;%s", want, rec.dump())
		}
	}
	if !slices.ContainsFunc(rec.at(LevelInfo), func(l string) bool { return strings.HasPrefix(l, ".gcloud-key-") }) {
		t.Errorf("the key file: not in the working folder during the run;%s", rec.dump())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".gcloud-key-*")); len(left) > 0 {
		t.Errorf("key files after the run: got %q, want none", left)
	}
	if !slices.Equal(masked, []string{`{"type": "service_account"}`}) {
		t.Errorf("masked: got %q, want the key", masked)
	}
}

func TestAzCLILogsInFirst(t *testing.T) {
	tc, rec := stubTools(t, map[string]string{"az": `echo "az $*"`})
	var masked []string
	tc.Mask = func(v string) { masked = append(masked, v) }
	yes := true
	task := &AzCLI{Commands: []string{"az group list"}, Username: "app-id", Password: "pa ss'word", Tenant: "t1", ServicePrincipal: &yes}
	if _, err := task.Run(context.Background(), tc); err != nil {
		t.Fatalf("Run: %v%s", err, rec.dump())
	}
	if got, want := rec.at(LevelInfo), []string{"az login -u app-id -p pa ss'word --tenant t1 --service-principal", "az group list"}; !slices.Equal(got, want) {
		t.Errorf("lines: got %q, want %q", got, want)
	}
	if !slices.Equal(masked, []string{"pa ss'word"}) {
		t.Errorf("masked: got %q, want the password", masked)
	}
}

func TestDbtCLIOutputMarkerAndStringManifest(t *testing.T) {
	tc, rec := stubTools(t, nil)
	kv := newMemKV()
	tc.KV = kv
	// Kestra's test: a manifest kept as a string is written as it is.
	if err := kv.Set("dev", "m", KVValue{Type: KVString, Value: `{"nodes": {}}`}, KVSetOptions{}); err != nil {
		t.Fatal(err)
	}
	task := &DbtCLI{
		CommandsProps: CommandsProps{Commands: []string{
			`head -c 1 p/target/manifest.json | grep -qx '{'`,
			`echo '::{"outputs":{"some_value":"hello"}}::'`,
		}},
		ProjectDir:   "p",
		LoadManifest: &DbtManifest{Key: "m", Namespace: "dev"},
	}
	res, err := task.Run(context.Background(), tc)
	if err != nil {
		t.Fatalf("Run: %v%s", err, rec.dump())
	}
	if vars, _ := res.Outputs["vars"].(map[string]any); vars["some_value"] != "hello" {
		t.Errorf("vars: got %v, want some_value=hello", res.Outputs["vars"])
	}
	if files, _ := res.Outputs["outputFiles"].(map[string]any); files["manifest.json"] == nil {
		t.Errorf("outputFiles: got %v, want the loaded manifest.json", files)
	}
}

func TestDbtCLIProfilesOrder(t *testing.T) {
	// In a WorkingDirectory whose folder has a profiles.yml (a cloned project's), profiles
	// replaces it, saying so.
	tc, rec := stubTools(t, nil)
	dir := t.TempDir()
	tc.WorkDir = func() (string, error) { return dir, nil }
	if err := os.WriteFile(filepath.Join(dir, "profiles.yml"), []byte("cloned\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	task := &DbtCLI{CommandsProps: CommandsProps{Commands: []string{"cat profiles.yml"}}, Profiles: "from task\n"}
	if _, err := task.Run(context.Background(), tc); err != nil || !rec.has(LevelInfo, "from task") ||
		!rec.has(LevelInfo, "A 'profiles.yml' file already exists in the task working directory; it will be overridden.") {
		t.Errorf("profiles over a cloned profiles.yml: got %v;%s", err, rec.dump())
	}

	// inputFiles are written after profiles, as Kestra's CommandsWrapper writes them: theirs wins.
	tc, rec = stubTools(t, nil)
	task = &DbtCLI{CommandsProps: CommandsProps{Commands: []string{"cat profiles.yml"}, ProcessProps: ProcessProps{InputFiles: map[string]string{"profiles.yml": "from inputFiles\n"}}}, Profiles: "from task\n"}
	if _, err := task.Run(context.Background(), tc); err != nil || !rec.has(LevelInfo, "from inputFiles") {
		t.Errorf("profiles and an inputFiles profiles.yml: got %v;%s", err, rec.dump())
	}
}
