package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// dbtCLIDef is Kestra's DbtCLI task.
var dbtCLIDef = &Def{
	Type:        "io.kestra.plugin.dbt.cli.DbtCLI",
	Doc:         "Run dbt commands with the dbt installed on this machine; profiles written to profiles.yml, run results logged per model.",
	New:         func() Task { return &DbtCLI{} },
	Unsupported: scriptUnsupported,
}

// DbtCLI runs dbt commands as a script does, adding --project-dir, --log-format and
// --log-path to each dbt command as Kestra does, and reads what dbt leaves in target/.
type DbtCLI struct {
	CommandsProps
	Profiles        string       `flow:"profiles" doc:"the profiles.yml written into the working folder (DBT_PROFILES_DIR points there)"`
	ProjectDir      string       `flow:"projectDir" doc:"the dbt project's folder, relative to the working folder; added to dbt commands as --project-dir"`
	ParseRunResults *bool        `flow:"parseRunResults" doc:"read target/run_results.json: one log line per model, metrics, and the file in outputs.outputFiles (default true)"`
	LogFormat       string       `flow:"logFormat" enum:"JSON,TEXT,DEBUG,NONE" doc:"added to dbt commands as --log-format unless NONE (default JSON, which flowctl logs line by line)"`
	Engine          string       `flow:"engine,ignored" enum:"CORE,FUSION" doc:"Kestra's choice of default container image"`
	LoadManifest    *DbtManifest `flow:"loadManifest" doc:"a manifest.json in the KV store written to target/manifest.json before the run (for --defer --state)"`
	StoreManifest   *DbtManifest `flow:"storeManifest" doc:"where in the KV store target/manifest.json is kept after the run"`
}

// DbtManifest is a KV store entry holding a dbt manifest.json.
type DbtManifest struct {
	Key       string `flow:"key,required" doc:"the KV key"`
	Namespace string `flow:"namespace,required" doc:"the KV namespace"`
}

// dbtInstall says how to get dbt.
const dbtInstall = "install dbt with its adapter (pip install dbt-core dbt-duckdb, say)"

// Run rewrites the dbt commands, writes profiles.yml and the manifest to load, runs the
// commands, and reads target/manifest.json and target/run_results.json, even when a command
// failed (a failed model is what run_results.json tells).
func (t *DbtCLI) Run(ctx context.Context, tc *Context) (Result, error) {
	commands, err := renderCommands(tc, t.Commands)
	if err != nil {
		return Result{}, err
	}
	projectDir, err := tc.render("projectDir", t.ProjectDir)
	if err != nil {
		return Result{}, err
	}
	if projectDir != "" {
		if err := CheckFileName(projectDir); err != nil {
			return Result{}, &PropError{Prop: "projectDir", Err: err}
		}
	}
	profiles, err := tc.render("profiles", t.Profiles)
	if err != nil {
		return Result{}, err
	}
	logFormat, err := tc.render("logFormat", t.LogFormat)
	if err != nil {
		return Result{}, err
	}
	if logFormat == "" {
		logFormat = "JSON"
	}
	if !slices.Contains([]string{"JSON", "TEXT", "DEBUG", "NONE"}, logFormat) {
		return Result{}, &PropError{Prop: "logFormat", Err: fmt.Errorf("%q is not one of JSON, TEXT, DEBUG, NONE", logFormat)}
	}
	load, err := t.LoadManifest.render(tc, "loadManifest")
	if err != nil {
		return Result{}, err
	}
	store, err := t.StoreManifest.render(tc, "storeManifest")
	if err != nil {
		return Result{}, err
	}
	if (load != nil || store != nil) && tc.KV == nil {
		return Result{}, errNoKV
	}
	parse := t.ParseRunResults == nil || *t.ParseRunResults
	for i, c := range commands {
		commands[i] = dbtCommand(c, projectDir, logFormat)
	}

	logs := &dbtLog{log: tc.Log}
	tool := &cliTool{
		prefix:  "dbt",
		install: dbtInstall,
		env:     map[string]string{"PYTHONUNBUFFERED": "true", "PIP_ROOT_USER_ACTION": "ignore"},
		logLine: logs.line,
		// As Kestra writes profiles.yml and the loaded manifest before its CommandsWrapper
		// writes the namespace files and inputFiles: theirs win.
		prepareFirst: true,
	}
	var projectPath string
	tool.prepare = func(workDir string) error {
		projectPath = filepath.Join(workDir, projectDir)
		tc.Log.Infof("dbt project working directory: %s", projectPath)
		if load != nil {
			if err := loadManifest(tc, load, projectPath); err != nil {
				return err
			}
		}
		if profiles == "" {
			return nil
		}
		path := filepath.Join(workDir, "profiles.yml")
		if _, err := os.Stat(path); err == nil {
			tc.Log.Infof("A 'profiles.yml' file already exists in the task working directory; it will be overridden.")
		}
		if err := os.WriteFile(path, []byte(profiles), 0o644); err != nil {
			return fmt.Errorf("profiles: %w", err)
		}
		// dbt looks in the current folder too, but a command that changes folder (cd into
		// the project) would then miss the profiles the task gives.
		tool.env["DBT_PROFILES_DIR"] = workDir
		return nil
	}
	tool.finish = func(workDir string, res *Result, runErr error) error {
		files, _ := res.Outputs["outputFiles"].(map[string]any)
		if files == nil {
			files = map[string]any{}
			res.Outputs["outputFiles"] = files
		}
		err := readDbtTarget(tc, projectPath, store, parse, files, res)
		res.Metrics = append(res.Metrics, logs.metrics...)
		if logs.warned {
			res.Warning = true
		}
		return err
	}
	return runScript(ctx, tc, t.exec(), scriptBody{commands: commands, tool: tool})
}

// render renders a manifest's KV entry; nil stays nil.
func (m *DbtManifest) render(tc *Context, prop string) (*DbtManifest, error) {
	if m == nil {
		return nil, nil
	}
	key, err := tc.render(prop+".key", m.Key)
	if err != nil {
		return nil, err
	}
	ns, err := tc.render(prop+".namespace", m.Namespace)
	if err != nil {
		return nil, err
	}
	if key == "" || ns == "" {
		return nil, &PropError{Prop: prop, Err: errors.New("key and namespace must not render empty")}
	}
	return &DbtManifest{Key: key, Namespace: ns}, nil
}

// dbtCommand adds to a dbt command what Kestra adds: --project-dir, --log-format and
// --log-path logs, each unless the command has it. Other commands are left alone.
func dbtCommand(c, projectDir, logFormat string) string {
	if !strings.HasPrefix(c, "dbt") {
		return c
	}
	if projectDir != "" && !strings.Contains(c, "--project-dir") {
		c += " --project-dir " + projectDir
	}
	if logFormat != "NONE" && !strings.Contains(c, "--log-format") {
		c += " --log-format " + strings.ToLower(logFormat)
	}
	if !strings.Contains(c, "--log-path") {
		c += " --log-path logs"
	}
	return c
}

// loadManifest writes the manifest held in the KV store to target/manifest.json of the
// project; none there is a warning, as in Kestra.
func loadManifest(tc *Context, m *DbtManifest, projectPath string) error {
	v, ok, err := tc.KV.Get(m.Namespace, m.Key)
	if err != nil {
		return &PropError{Prop: "loadManifest", Err: err}
	}
	var text string
	if ok {
		switch x := v.Value.(type) {
		case string:
			text = x
		case nil:
		default:
			b, err := json.Marshal(x)
			if err != nil {
				return &PropError{Prop: "loadManifest", Err: err}
			}
			text = string(b)
		}
	}
	if strings.TrimSpace(text) == "" {
		tc.Log.Warnf("Property `loadManifest` has been used but no manifest has been found in the KV Store.")
		return nil
	}
	path := filepath.Join(projectPath, "target", "manifest.json")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("loadManifest: %w", err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return fmt.Errorf("loadManifest: %w", err)
	}
	return nil
}

// readDbtTarget reads what dbt left in the project's target/ folder: manifest.json, kept in
// the storage (and the KV store when asked), and run_results.json, logged per model and
// kept in the storage.
func readDbtTarget(tc *Context, projectPath string, store *DbtManifest, parse bool, files map[string]any, res *Result) error {
	manifest := filepath.Join(projectPath, "target", "manifest.json")
	if _, err := os.Stat(manifest); err != nil {
		tc.Log.Warnf("dbt manifest not found at %s", manifest)
	} else {
		tc.Log.Infof("dbt manifest found at %s", manifest)
		if store != nil {
			b, err := os.ReadFile(manifest)
			if err != nil {
				return fmt.Errorf("storeManifest: %w", err)
			}
			var v any
			if err := json.Unmarshal(b, &v); err != nil {
				return fmt.Errorf("storeManifest: %s is not JSON: %w", manifest, err)
			}
			if err := tc.KV.Set(store.Namespace, store.Key, KVValue{Type: KVJSON, Value: v}, KVSetOptions{Overwrite: true}); err != nil {
				return &PropError{Prop: "storeManifest", Err: err}
			}
		}
		uri, err := storeFile(tc, manifest)
		if err != nil {
			return fmt.Errorf("manifest.json: %w", err)
		}
		files["manifest.json"] = uri
	}
	results := filepath.Join(projectPath, "target", "run_results.json")
	if _, err := os.Stat(results); !parse || err != nil {
		return nil
	}
	b, err := os.ReadFile(results)
	if err != nil {
		return fmt.Errorf("run_results.json: %w", err)
	}
	metrics, err := logRunResults(tc.Log, b)
	if err != nil {
		return fmt.Errorf("run_results.json: %w", err)
	}
	res.Metrics = append(res.Metrics, metrics...)
	uri, err := storeFile(tc, results)
	if err != nil {
		return fmt.Errorf("run_results.json: %w", err)
	}
	files["run_results.json"] = uri
	return nil
}

// dbtRunResults is what flowctl reads of dbt's run_results.json.
type dbtRunResults struct {
	Results []struct {
		Status          string         `json:"status"`
		UniqueID        string         `json:"unique_id"`
		ExecutionTime   *float64       `json:"execution_time"`
		Message         *string        `json:"message"`
		Failures        *int           `json:"failures"`
		AdapterResponse map[string]any `json:"adapter_response"`
	} `json:"results"`
}

// dbtStatusLevels maps a result's status to the level of its log lines (Kestra's state:
// error, fail and runtime_error FAILED, warn WARNING).
var dbtStatusLevels = map[string]Level{
	"error": LevelError, "fail": LevelError, "runtime_error": LevelError,
	"warn": LevelWarn, "skipped": LevelInfo, "success": LevelInfo, "pass": LevelInfo,
}

// logRunResults logs one line per result ("model.p.m => success in 0.12s", then its message)
// and returns the counters of the adapters' responses (rows.affected, bytes.processed).
//
// Kestra makes each result a task run of its own; flowctl's task-run tree holds the runs of
// the flow's tasks only, so the results are log lines of the task.
func logRunResults(log *Logger, b []byte) ([]Metric, error) {
	var rr dbtRunResults
	if err := json.Unmarshal(b, &rr); err != nil {
		return nil, err
	}
	var metrics []Metric
	for _, r := range rr.Results {
		level, ok := dbtStatusLevels[r.Status]
		if !ok {
			return metrics, fmt.Errorf("%s: no suitable status for %q", r.UniqueID, r.Status)
		}
		line := r.UniqueID + " => " + r.Status
		if r.ExecutionTime != nil {
			line += fmt.Sprintf(" in %.2fs", *r.ExecutionTime)
		}
		if r.Failures != nil && *r.Failures > 0 {
			line += fmt.Sprintf(" (%d failure", *r.Failures)
			if *r.Failures > 1 {
				line += "s"
			}
			line += ")"
		}
		log.Log(level, line)
		if r.Message != nil && strings.TrimSpace(*r.Message) != "" {
			log.Log(level, *r.Message)
		}
		for _, k := range slices.Sorted(maps.Keys(r.AdapterResponse)) {
			name := map[string]string{"rows_affected": "rows.affected", "bytes_processed": "bytes.processed"}[k]
			if name == "" {
				continue
			}
			if v, ok := dbtNumber(r.AdapterResponse[k]); ok {
				metrics = append(metrics, Metric{Name: name, Type: "counter", Value: v})
			}
		}
	}
	return metrics, nil
}

// dbtNumber reads an adapter response's number, or a string holding one.
func dbtNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

// dbtLog logs dbt's JSON log lines (--log-format json) as Kestra does: a line per event at
// the event's level, the run's stats as counters, and a warn event makes the task WARNING.
type dbtLog struct {
	log     *Logger
	warned  bool
	metrics []Metric
}

// dbtEvent is one JSON log line of dbt: "info" holds the event since dbt 1.5, the top level
// before.
type dbtEvent struct {
	Info *struct {
		Level  string `json:"level"`
		TS     string `json:"ts"`
		Thread string `json:"thread"`
		Name   string `json:"name"`
		Msg    string `json:"msg"`
	} `json:"info"`
	Level  string `json:"level"`
	TS     string `json:"ts"`
	Thread string `json:"thread_name"`
	Type   string `json:"type"`
	Msg    string `json:"msg"`
	Data   struct {
		Stats map[string]float64 `json:"stats"`
	} `json:"data"`
}

// line logs one line of dbt's output. A line that is not a JSON event is logged at INFO,
// from stdout or stderr alike, as Kestra's dbt log reader does.
func (d *dbtLog) line(_ bool, text string) bool {
	var ev dbtEvent
	if !strings.HasPrefix(text, "{") || json.Unmarshal([]byte(text), &ev) != nil {
		d.log.Log(LevelInfo, strings.TrimSpace(text))
		return true
	}
	level, ts, thread, typ, msg := ev.Level, ev.TS, ev.Thread, ev.Type, ev.Msg
	if ev.Info != nil {
		level, ts, thread, typ, msg = ev.Info.Level, ev.Info.TS, ev.Info.Thread, ev.Info.Name, ev.Info.Msg
	}
	for _, k := range slices.Sorted(maps.Keys(ev.Data.Stats)) {
		d.metrics = append(d.metrics, Metric{Name: k, Type: "counter", Value: ev.Data.Stats[k]})
	}
	line := fmt.Sprintf("[Date: %s] [Thread: %s] [Type: %s] %s", ts, thread, typ, msg)
	switch level {
	case "debug":
		d.log.Log(LevelDebug, line)
	case "info":
		d.log.Log(LevelInfo, line)
	case "warn":
		d.warned = true
		d.log.Log(LevelWarn, line)
	default:
		d.log.Log(LevelError, line)
	}
	return true
}
