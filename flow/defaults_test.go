package flow

import (
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const defaultsHead = "id: f\nnamespace: dev\n"

func TestPluginDefaultsGiveMissingPropertiesAndLetTheTaskWin(t *testing.T) {
	f := mustParse(t, defaultsHead+`
pluginDefaults:
  - type: io.kestra.plugin.core.log.Log
    values:
      message: from the default
      level: WARN
  - type: io.kestra.plugin.core.log.Log
    values:
      level: ERROR
tasks:
  - id: bare
    type: io.kestra.plugin.core.log.Log
  - id: own
    type: io.kestra.plugin.core.log.Log
    message: mine
    level: DEBUG
`)
	bare, own := f.Tasks[0].Task.(*testLog), f.Tasks[1].Task.(*testLog)
	if got := []string(bare.Message); !slices.Equal(got, []string{"from the default"}) || bare.Level != "WARN" {
		t.Errorf("bare: got message %q level %q, want the first default's (from the default, WARN)", got, bare.Level)
	}
	if got := []string(own.Message); !slices.Equal(got, []string{"mine"}) || own.Level != "DEBUG" {
		t.Errorf("own: got message %q level %q, want the task's (mine, DEBUG)", got, own.Level)
	}
}

func TestPluginDefaultsForcedBeatTheTaskFirstListedWins(t *testing.T) {
	// Kestra's PluginDefaultServiceTest.forced: two forced defaults and a plain one.
	f := mustParse(t, defaultsHead+`
pluginDefaults:
  - type: io.kestra.plugin.core.log.Log
    forced: true
    values: {level: WARN}
  - type: io.kestra.plugin.core.log.Log
    forced: true
    values: {level: ERROR}
  - type: io.kestra.plugin.core.log.Log
    values: {level: TRACE, message: plain}
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    level: DEBUG
`)
	got := f.Tasks[0].Task.(*testLog)
	if got.Level != "WARN" || !slices.Equal([]string(got.Message), []string{"plain"}) {
		t.Errorf("got level %q message %q, want WARN (first forced) and plain", got.Level, got.Message)
	}
}

func TestPluginDefaultsMergeMapsAndConcatenateLists(t *testing.T) {
	f := mustParse(t, defaultsHead+`
pluginDefaults:
  - type: io.kestra.plugin.scripts.shell.Script
    values:
      beforeCommands: [default-before]
      env: {A: default-a, B: default-b}
  - type: io.kestra.plugin.scripts.shell.Script
    forced: true
    values:
      beforeCommands: [forced-before]
      env: {C: forced-c, A: forced-a}
tasks:
  - id: s
    type: io.kestra.plugin.scripts.shell.Script
    script: echo
    beforeCommands: [own-before]
    env: {A: own-a, D: own-d}
`)
	s := f.Tasks[0].Task.(*testScript)
	if want := []string{"default-before", "own-before", "forced-before"}; !slices.Equal(s.BeforeCommands, want) {
		t.Errorf("beforeCommands: got %q, want %q", s.BeforeCommands, want)
	}
	want := map[string]string{"A": "forced-a", "B": "default-b", "C": "forced-c", "D": "own-d"}
	if len(s.Env) != len(want) {
		t.Errorf("env: got %v, want %v", s.Env, want)
	}
	for k, v := range want {
		if s.Env[k] != v {
			t.Errorf("env.%s: got %q, want %q", k, s.Env[k], v)
		}
	}
}

func TestPluginDefaultsMatchByRawPrefixAndAlias(t *testing.T) {
	f := mustParse(t, defaultsHead+`
taskDefaults:
  - type: io.kestra.plugin.scripts.
    values: {env: {FROM: prefix}}
  - type: io.kestra.plugin.scripts2
    values: {env: {OTHER: nope}}
  - type: io.kestra.core.tasks.log.Log
    values: {message: from the alias}
  - type: io.kestra.plugin.core.log
    values: {level: WARN}
tasks:
  - id: s
    type: io.kestra.plugin.scripts.shell.Script
    script: echo
  - id: canonical
    type: io.kestra.plugin.core.log.Log
  - id: old
    type: io.kestra.core.tasks.log.Log
`)
	if got := f.Tasks[0].Task.(*testScript).Env; len(got) != 1 || got["FROM"] != "prefix" {
		t.Errorf("script env: got %v, want only FROM=prefix", got)
	}
	canon, old := f.Tasks[1].Task.(*testLog), f.Tasks[2].Task.(*testLog)
	if !slices.Equal([]string(canon.Message), []string{"from the alias"}) || canon.Level != "WARN" {
		t.Errorf("canonical: got %q %q, want the alias's message and the prefix's level", canon.Message, canon.Level)
	}
	// A prefix is compared with the type as written: the older name does not start with
	// io.kestra.plugin.core.log.
	if !slices.Equal([]string(old.Message), []string{"from the alias"}) || old.Level != "" {
		t.Errorf("old name: got %q %q, want the alias's message and no level", old.Message, old.Level)
	}
}

func TestPluginDefaultsReachTriggersAndConditions(t *testing.T) {
	f := mustParse(t, defaultsHead+`
pluginDefaults:
  - type: io.kestra.plugin.core.condition.ExecutionStatus
    values: {in: [FAILED]}
  - type: io.kestra.plugin.core.trigger.Schedule
    values: {cron: "0 9 * * *", timezone: Europe/Paris}
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - id: upstream
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionStatus
  - id: daily
    type: io.kestra.plugin.core.trigger.Schedule
    timezone: UTC
`)
	if got := f.Triggers[0].Conditions[0].In; !slices.Equal(got, []string{"FAILED"}) {
		t.Errorf("condition in: got %v, want [FAILED]", got)
	}
	if d := f.Triggers[1]; d.Cron != "0 9 * * *" || d.Timezone != "UTC" {
		t.Errorf("schedule: got cron %q timezone %q, want the default's cron and the trigger's UTC", d.Cron, d.Timezone)
	}
}

// TestPluginDefaultsReachNestedTaskLists applies defaults to the tree alone: any mapping with
// a type takes them, however deep and under whatever key (then, else, cases, errors...), the
// deepest first, and an anchor used twice is merged once.
func TestPluginDefaultsReachNestedTaskLists(t *testing.T) {
	src := defaultsHead + `
pluginDefaults:
  - type: io.kestra.plugin.core.log.Log
    values: {level: WARN}
  - type: io.kestra.plugin.core.flow
    values: {extra: [d]}
tasks:
  - id: if
    type: io.kestra.plugin.core.flow.If
    extra: [own]
    then:
      - &log {id: a, type: io.kestra.plugin.core.log.Log, message: x}
    else:
      - id: sw
        type: io.kestra.plugin.core.flow.Switch
        cases:
          k:
            - *log
        errors:
          - {id: c, type: io.kestra.plugin.core.log.Log, level: ERROR}
        finally:
          - {id: d, type: io.kestra.plugin.core.log.Log}
`
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	l := &loader{file: "flow.yml", src: []byte(src), reg: testRegistry()}
	root := l.withDefaults(doc.Content[0])
	if len(l.problems) > 0 {
		t.Fatalf("problems: %v", l.problems)
	}
	var got struct {
		Tasks []map[string]any `yaml:"tasks"`
	}
	if err := root.Decode(&got); err != nil {
		t.Fatal(err)
	}
	out, _ := yaml.Marshal(got.Tasks)
	want := `- else:
    - cases:
        k:
            - id: a
              level: WARN
              message: x
              type: io.kestra.plugin.core.log.Log
      errors:
        - id: c
          level: ERROR
          type: io.kestra.plugin.core.log.Log
      extra:
        - d
      finally:
        - id: d
          level: WARN
          type: io.kestra.plugin.core.log.Log
      id: sw
      type: io.kestra.plugin.core.flow.Switch
  extra:
    - d
    - own
  id: if
  then:
    - id: a
      level: WARN
      message: x
      type: io.kestra.plugin.core.log.Log
  type: io.kestra.plugin.core.flow.If
`
	if string(out) != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
}

func TestPluginDefaultsProblemsPointAtTheDefault(t *testing.T) {
	got := parseProblems(t, defaultsHead+`pluginDefaults:
  - type: io.kestra.plugin.core.log.Log
    values:
      level: LOUD
      mesage: hi
  - type: io.kestra.plugin.other.
    values: {whatever: 1}
  - type: ""
    values: {}
  - values: {a: 1}
  - type: io.kestra
    values: [a]
  - type: io.kestra
    forced: yes please
    values: {}
    extra: 1
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: hi
`)
	want := []string{
		`flow.yml:6:14: task "t": level: "LOUD" is not one of TRACE, DEBUG, INFO, WARN, ERROR`,
		`flow.yml:7:7: pluginDefaults[0]: values: No property 'mesage' exists in plugin 'io.kestra.plugin.core.log.Log' (did you mean "message"?)`,
		`flow.yml:7:7: task "t": unknown property "mesage" (did you mean "message"?)`,
		`flow.yml:10:11: pluginDefaults[2]: type: must not be empty (it would match every plugin)`,
		`flow.yml:12:5: pluginDefaults[3]: missing required property "type"`,
		`flow.yml:14:13: pluginDefaults[4]: values: expected a mapping of properties, got a list`,
		`flow.yml:16:13: pluginDefaults[5]: forced: expected true or false, got "yes please"`,
		`flow.yml:18:5: pluginDefaults[5]: unknown property "extra"`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestPluginDefaultsUnderBothNamesAreRefused(t *testing.T) {
	got := parseProblems(t, defaultsHead+`pluginDefaults: []
taskDefaults: []
tasks:
  - {id: t, type: io.kestra.plugin.core.log.Log, message: hi}
`)
	want := `flow.yml:4:1: taskDefaults: give pluginDefaults or taskDefaults (its older name), not both`
	if !slices.Contains(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
