package cmd

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// The table Main picks a single command from names every command of the tree, by its name
// and aliases.
func TestCommandsTableMatchesTree(t *testing.T) {
	f := newFactory(Streams{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: &bytes.Buffer{}})
	var inTable []string
	for _, c := range commands() {
		built := c.make(f)
		if want := append([]string{built.Name()}, built.Aliases...); !slices.Equal(c.names, want) {
			t.Errorf("table names %q, the command answers to %q", c.names, want)
		}
		inTable = append(inTable, built.Name())
	}
	for _, c := range newRoot(f).Commands() {
		if !slices.Contains(inTable, c.Name()) {
			t.Errorf("command %q is missing from commands()", c.Name())
		}
	}
}

// A root holding only the command named answers as the whole tree does: the same help, the
// same usage errors.
func TestSingleCommandRootAnswersAsTheTree(t *testing.T) {
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		for _, sub := range c.Commands() {
			p := append(slices.Clip(path), sub.Name())
			paths = append(paths, p)
			walk(sub, p)
		}
	}
	walk(newRoot(newFactory(Streams{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: &bytes.Buffer{}})), nil)
	if len(paths) < 20 {
		t.Fatalf("found %d commands, want the whole tree", len(paths))
	}
	for _, p := range paths {
		if p[0] == "help" || p[0] == "completion" || strings.HasPrefix(p[0], "__") {
			continue // cobra's own: never a single-command root
		}
		for _, args := range [][]string{append(slices.Clip(p), "--help"), append(slices.Clip(p), "--no-such-flag")} {
			var results [2]string
			for i, single := range []bool{false, true} {
				var out, errs bytes.Buffer
				f := newFactory(Streams{In: strings.NewReader(""), Out: &out, Err: &errs})
				root := newRoot(f)
				if single {
					root = newRootFor(f, args)
					if n := len(root.Commands()); n != 1 {
						t.Fatalf("%q: the root holds %d commands, want 1", args, n)
					}
				}
				root.SetArgs(args)
				err := root.ExecuteContext(context.Background())
				results[i] = out.String() + "|" + errs.String() + "|" + errString(err)
			}
			if results[0] != results[1] {
				t.Errorf("%q: the whole tree says\n%s\na single-command root says\n%s", args, results[0], results[1])
			}
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
