package cmd

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/state"
)

// Shell completion (cobra's `flowctl completion bash|zsh|fish|powershell`) offers what the
// state and the flow files hold: execution ids with their flow and state, applied flows,
// statuses, and the inputs of the flow being run. A completion never writes, never waits
// long for the state lock and says nothing when the state cannot be read: a shell's Tab
// must not hang or print errors.

// completionWait bounds how long a completion waits for the state.
const completionWait = 500 * time.Millisecond

// completionIDs is how many of the newest executions are offered as ids.
const completionIDs = 50

type completer func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective)

// withState opens the state the command's --state flag names, read-only, and calls fn with
// it; nothing is offered when it cannot be opened in time.
func withState(fac *factory, c *cobra.Command, fn func(*state.Store) []cobra.Completion) []cobra.Completion {
	flag, _ := c.Flags().GetString("state")
	ctx, cancel := context.WithTimeout(context.Background(), completionWait)
	defer cancel()
	store, err := fac.openState(ctx, flag, true)
	if err != nil {
		return nil
	}
	return fn(store)
}

// completeExecutionIDs offers the newest execution ids (and "last"), each described by its
// flow, state and start; only those in one of states when states are given (the ones a
// command takes: FAILED and KILLED for restart).
func completeExecutionIDs(fac *factory, states ...string) completer {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		out := withState(fac, c, func(s *state.Store) []cobra.Completion {
			recs, err := s.Executions(state.ListFilter{Limit: completionIDs})
			if err != nil || len(recs) == 0 {
				return nil
			}
			out := []cobra.Completion{cobra.CompletionWithDesc(state.LastExecution, "the newest execution")}
			for _, r := range recs {
				if strings.HasPrefix(r.ID, toComplete) && (len(states) == 0 || slices.Contains(states, r.State)) {
					out = append(out, cobra.CompletionWithDesc(r.ID, r.Namespace+"."+r.FlowID+" "+r.State+" "+r.StartDate.UTC().Format(time.RFC3339)))
				}
			}
			return out
		})
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeStatuses offers the states an execution can be listed by.
func completeStatuses(_ *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return slices.Clone(listableStates), cobra.ShellCompDirectiveNoFileComp
}

// appliedFlows offers one name of each applied flow that keep selects (its id, or its
// namespace), each name once.
func appliedFlows(fac *factory, c *cobra.Command, name func(state.FlowRecord) (string, bool)) []cobra.Completion {
	return withState(fac, c, func(s *state.Store) []cobra.Completion {
		recs, err := s.Flows()
		if err != nil {
			return nil
		}
		var out []cobra.Completion
		for _, r := range recs {
			if n, ok := name(r); ok && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
		return out
	})
}

// completeFlowIDs offers the ids of the applied flows.
func completeFlowIDs(fac *factory) completer {
	return func(c *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return appliedFlows(fac, c, func(r state.FlowRecord) (string, bool) { return r.ID, true }), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeNamespaces offers the namespaces of the applied flows.
func completeNamespaces(fac *factory) completer {
	return func(c *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return appliedFlows(fac, c, func(r state.FlowRecord) (string, bool) { return r.Namespace, true }), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeAppliedFlow offers `NAMESPACE ID` of an applied flow, one word at a time.
func completeAppliedFlow(fac *factory) completer {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		switch len(args) {
		case 0:
			return completeNamespaces(fac)(c, args, toComplete)
		case 1:
			return appliedFlows(fac, c, func(r state.FlowRecord) (string, bool) { return r.ID, r.Namespace == args[0] }), cobra.ShellCompDirectiveNoFileComp
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeNamespaceFile offers a namespace (the applied flows'), then, for get and delete,
// the paths of its files; push's DIR is a local folder.
func completeNamespaceFile(fac *factory, verb string) completer {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		switch {
		case len(args) == 0:
			return completeNamespaces(fac)(c, args, toComplete)
		case len(args) == 1 && verb == "push":
			return nil, cobra.ShellCompDirectiveFilterDirs
		case len(args) == 1 && (verb == "get" || verb == "delete"):
			out := withState(fac, c, func(s *state.Store) []cobra.Completion {
				files, err := s.Storage().NamespaceFiles(args[0])
				if err != nil {
					return nil
				}
				var out []cobra.Completion
				for _, f := range files {
					if strings.HasPrefix(f.Path, toComplete) {
						out = append(out, f.Path)
					}
				}
				return out
			})
			return out, cobra.ShellCompDirectiveNoFileComp
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeFlowFiles offers YAML files.
func completeFlowFiles(_ *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return []cobra.Completion{"yml", "yaml"}, cobra.ShellCompDirectiveFilterFileExt
}

// completeInputs offers `-i NAME=` for each input of the flow file already on the command
// line, described by its type (and whether it is required).
func completeInputs(fac *factory) completer {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) == 0 || args[0] == "-" || strings.Contains(toComplete, "=") {
			return nil, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
		}
		f, err := flow.Load(args[0], fac.registry())
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, in := range f.Inputs {
			desc := in.Type
			if in.Required && in.Defaults == nil {
				desc += ", required"
			}
			out = append(out, cobra.CompletionWithDesc(in.ID+"=", desc))
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}

// completeOutput offers the -o formats.
func completeOutput(_ *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return []cobra.Completion{"text", "json"}, cobra.ShellCompDirectiveNoFileComp
}

// registerCompletions attaches the completions to the command tree; a flag a command does
// not have is skipped.
func registerCompletions(root *cobra.Command, fac *factory) {
	find := func(path ...string) *cobra.Command {
		c, _, err := root.Find(path)
		if err != nil || c == root {
			return nil
		}
		return c
	}
	for verb, states := range map[string][]string{"show": nil, "logs": nil, "resume": {runner.StatePaused},
		"restart": {runner.StateFailed, runner.StateKilled}} {
		if c := find("executions", verb); c != nil {
			c.ValidArgsFunction = completeExecutionIDs(fac, states...)
		}
	}
	if c := find("executions", "restart"); c != nil {
		c.RegisterFlagCompletionFunc("flow", completeFlowFiles)
	}
	if c := find("executions", "list"); c != nil {
		c.RegisterFlagCompletionFunc("status", completeStatuses)
		c.RegisterFlagCompletionFunc("flow", completeFlowIDs(fac))
		c.RegisterFlagCompletionFunc("namespace", completeNamespaces(fac))
	}
	if c := find("flow", "delete"); c != nil {
		c.ValidArgsFunction = completeAppliedFlow(fac)
	}
	for _, path := range [][]string{{"run"}, {"validate"}, {"flow", "apply"}} {
		if c := find(path...); c != nil {
			c.ValidArgsFunction = completeFlowFiles
		}
	}
	if c := find("run"); c != nil {
		c.RegisterFlagCompletionFunc("input", completeInputs(fac))
	}
	for _, verb := range []string{"push", "list", "get", "delete"} {
		if c := find("namespace", "files", verb); c != nil {
			c.ValidArgsFunction = completeNamespaceFile(fac, verb)
		}
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Flags().Lookup("output") != nil {
			c.RegisterFlagCompletionFunc("output", completeOutput)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
