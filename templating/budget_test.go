package templating

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"
)

// unlimited are limits no test reaches: only the context can end a render.
var unlimited = Limits{Steps: math.MaxInt64, Bytes: math.MaxInt64}

// renderIn parses and renders src against env under ctx.
func renderIn(ctx context.Context, src string, env *Env) (string, error) {
	t, err := Parse(src)
	if err != nil {
		return "", err
	}
	return t.RenderContext(ctx, env)
}

// wantErrorIs checks that err is an *Error wrapping target.
func wantErrorIs(t *testing.T, err, target error) {
	t.Helper()
	var te *Error
	if !errors.As(err, &te) {
		t.Fatalf("got error %v of type %T, want an *Error", err, err)
	}
	if !errors.Is(err, target) {
		t.Fatalf("got error %q, want it to wrap %q", err, target)
	}
}

func TestRenderStopsWhenTheContextEnds(t *testing.T) {
	t.Run("cancelled while rendering", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		env := testEnv()
		env.Limits = unlimited
		// The template asks for a secret first: the lookup cancels, the fan-out goes on.
		env.Secret = func(string) (string, error) { cancel(); return "", nil }
		_, err := renderIn(ctx, "{{ secret('GO') }}{{ render(vars.b9) }}", env)
		wantErrorIs(t, err, context.Canceled)
	})
	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 1)
		defer cancel()
		env := testEnv()
		env.Limits = unlimited
		_, err := renderIn(ctx, "{{ render(vars.b9) }}", env)
		wantErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("already cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := renderIn(ctx, "{{ flow.id }}", testEnv())
		wantErrorIs(t, err, context.Canceled)
	})
}

// wantBudgetError checks that err is an *Error reporting limit as exceeded.
func wantBudgetError(t *testing.T, err error, steps bool, limit int64) {
	t.Helper()
	var te *Error
	var be *BudgetError
	if !errors.As(err, &te) || !errors.As(err, &be) {
		t.Fatalf("got error %v (%T), want an *Error wrapping a *BudgetError", err, err)
	}
	if be.Steps != steps || be.Limit != limit {
		t.Fatalf("got %+v (%q), want Steps %v, Limit %d", *be, err, steps, limit)
	}
}

func TestTheIssuesFanOutFailsWithTheDefaultBudget(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("renders up to the default budget: about a second, ten with the race detector, which has nothing to find in one goroutine")
	}
	_, err := renderString("{{ render(vars.a9) }}", testEnv())
	wantBudgetError(t, err, false, DefaultBytes)
	want := "line 1, col 1: Unable to render the expression `{{ render(vars.a9) }}` at line 1: " +
		"template work budget exceeded: more than 16 MiB produced " +
		"(render() calls nesting render() calls, or a large value repeated, joined or replaced?)"
	if err.Error() != want {
		t.Errorf("got error\n%q\nwant\n%q", err, want)
	}
}

func TestStepBudget(t *testing.T) {
	// deep is a list of 10 lists of 10 lists... nine levels deep, each level the same list
	// ten times: a billion leaves in a few hundred bytes.
	deep := []any{int64(1)}
	for range 9 {
		deep = []any{deep, deep, deep, deep, deep, deep, deep, deep, deep, deep}
	}
	long := strings.Repeat("x", 4<<20)
	// Twenty different patterns: each is compiled, none comes from the render's cache.
	distinctSplits := ""
	for i := range 20 {
		distinctSplits += fmt.Sprintf("'a' | split(pattern ~ '%d'), ", i)
	}
	cases := []struct{ name, src string }{
		{"render fan-out", "{{ render(vars.b9) }}"},
		{"comparing shared lists", "{{ deep == deep }}"},
		{"list contains shared lists", "{{ [deep] contains [deep] }}"},
		{"replacing in shared lists", "{{ deep | replace({'1': '2'}) | length }}"},
		{"joining shared lists", "{{ deep | join | length }}"},
		{"comparing long strings", strings.Repeat("{{ long == long }}", 20)},
		{"matching a long string", "{{ long | split('y') | length }}"},
		{"compiling patterns", "{{ [" + distinctSplits + "''] | length }}"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := testEnv()
			env.Vars["deep"], env.Vars["long"] = deep, long
			env.Vars["pattern"] = strings.Repeat("a", 2<<10)
			env.Limits = Limits{Steps: 100_000, Bytes: math.MaxInt64}
			_, err := renderString(tc.src, env)
			wantBudgetError(t, err, true, 100_000)
		})
	}
	t.Run("message", func(t *testing.T) {
		env := testEnv()
		env.Limits.Steps = 1000
		_, err := renderString("{{ render(vars.b9) }}", env)
		want := "line 1, col 1: Unable to render the expression `{{ render(vars.b9) }}` at line 1: " +
			"template work budget exceeded: more than 1000 evaluation steps " +
			"(render() calls nesting render() calls, or a filter going through a huge list?)"
		if err == nil || err.Error() != want {
			t.Errorf("got error\n%v\nwant\n%q", err, want)
		}
	})
}

func TestByteBudget(t *testing.T) {
	const limit = 1 << 20
	kb600 := strings.Repeat("x", 600<<10)
	hundred := "[" + strings.Repeat("s, ", 99) + "s]" // the 600 KiB string a hundred times
	cases := []struct{ name, src string }{
		{"concatenation", "{{ s ~ s }}"},
		{"plus", "{{ s + s }}"},
		{"join", "{{ " + hundred + " | join(',') }}"},
		{"replace", "{{ '" + strings.Repeat("x", 100) + "' | replace({'x': s}) }}"},
		{"replace with a regexp", "{{ s | replace({'x': '" + strings.Repeat("y", 100) + "'}, regexp=true) }}"},
		{"replace with group references", "{{ s | replace({'(x+)': '" + strings.Repeat("$1", 100) + "'}, regexp=true) }}"},
		{"replace in a list", "{{ " + hundred + " | replace({'x': 'y'}) | length }}"},
		{"toJson", "{{ " + hundred + " | toJson }}"},
		{"a list written out", "{{ " + hundred + " }}"},
		{"a list concatenated", "{{ 'a' ~ " + hundred + " }}"},
		{"a list as a map key", "{{ {" + hundred + ": 1} | length }}"},
		{"tags written out", "{{ s }}{{ s }}"},
		{"split into characters", "{{ s | split('') | length }}"},
		{"upper", "{{ s | upper | upper }}"},
		{"fromJson", "{{ fromJson(j) | length }}{{ fromJson(j) | length }}"},
		{"render fan-out", "{{ render(vars.a9) }}"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := testEnv()
			env.Vars["s"], env.Vars["j"] = kb600, `["`+kb600+`"]`
			env.Limits = Limits{Bytes: limit}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := renderString(tc.src, env)
			runtime.ReadMemStats(&after)
			wantBudgetError(t, err, false, limit)
			// Going over is found before the value is built, not after: what the render
			// allocated stays within a few times the budget (unchecked, the hundred-fold
			// ones take 60 MB).
			if got := after.TotalAlloc - before.TotalAlloc; got > 8*limit && !raceEnabled {
				t.Errorf("the render allocated %d bytes, want at most %d", got, 8*limit)
			}
		})
	}
}

func TestPatternsHaveABound(t *testing.T) {
	env := testEnv()
	env.Vars["re"] = strings.Repeat("a", 5<<10)
	env.Vars["pattern"] = strings.Repeat("y", 2<<10)
	env.Vars["zone"] = strings.Repeat("Z", 1<<20)
	runErrorCasesIn(t, env, []errorCase{
		{"split", "{{ 'a' | split(re) }}",
			"line 1, col 1: Unable to render the expression `{{ 'a' | split(re) }}` at line 1: filter split: delimiter of 5 KiB: longer than the 4 KiB flowctl accepts"},
		{"replace", "{{ 'a' | replace({re: 'b'}, regexp=true) }}",
			"line 1, col 1: Unable to render the expression `{{ 'a' | replace({re: 'b'}, regexp=true) }}` at line 1: filter replace: regular expression of 5 KiB: longer than the 4 KiB flowctl accepts"},
		{"date", "{{ now() | date(pattern) }}",
			"line 1, col 1: Unable to render the expression `{{ now() | date(pattern) }}` at line 1: filter date: date pattern of 2 KiB: longer than the 1 KiB flowctl accepts"},
		{"zone", "{{ now() | date('yyyy', zone) }}",
			"line 1, col 1: Unable to render the expression `{{ now() | date('yyyy', zone) }}` at line 1: filter date: unknown time zone \"" + strings.Repeat("Z", 64) + "...\""},
	})
}

func TestRealTemplatesStayFarBelowTheLimits(t *testing.T) {
	env := testEnv()
	env.Limits = Limits{Steps: 100, Bytes: 1 << 10}
	tpl, err := Parse(slackPayload)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tpl.Render(env); err != nil {
		t.Fatalf("a Slack payload with four tags: %v, want it within 100 steps and 1 KiB", err)
	}
}
