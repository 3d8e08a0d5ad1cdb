package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/flowctl/flowctl/report"
	"github.com/flowctl/flowctl/runner/state"
)

// stateFlag adds --state to a command.
func stateFlag(c *cobra.Command, path *string) {
	c.Flags().StringVar(path, "state", "", "the state file (default $FLOWCTL_STATE, else $XDG_STATE_HOME/flowctl/state.db, else ~/.local/state/flowctl/state.db)")
}

// openState opens the state file the flag, the environment or the default names. A state
// that cannot be used is an exit-2 error: nothing was run. ctx ends its waits for the lock
// and its long operations (exit 130); commands that record an execution KILLED after a
// signal give one that the signal does not end (context.WithoutCancel), so that record is
// still written, waiting at most the lock timeout. It warns on s.Err when the file or its
// folder is open to other users.
func openState(ctx context.Context, s Streams, flag string, readOnly bool) (*state.Store, error) {
	path, err := resolveStatePath(flag)
	if err != nil {
		return nil, err
	}
	store, err := state.Open(path, state.Options{ReadOnly: readOnly, Context: ctx})
	if err != nil {
		return nil, &exitError{code: ExitUsage, err: err}
	}
	warnOpenModes(s.Err, path)
	return store, nil
}

// resolveStatePath is the state file the flag, the environment or the default names.
func resolveStatePath(flag string) (string, error) {
	if err := statusForState(flag); err != nil {
		return "", err
	}
	path, err := state.Path(flag, os.Getenv)
	if err != nil {
		return "", &exitError{code: ExitUsage, err: err}
	}
	return path, nil
}

// statusForState refuses a --state naming an execution state and no file (`executions list
// --state FAILED`): the user meant --status, and reading a state file called FAILED would
// print "no execution" and exit 0, a wrong answer that looks right.
func statusForState(flag string) error {
	if !slices.Contains(listableStates, strings.ToUpper(flag)) {
		return nil
	}
	if _, err := os.Stat(flag); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return usageErrorf("--state %s names the state file, and there is no file %q: to list the executions in a state, use --status %s", flag, flag, strings.ToUpper(flag))
}

// warnOpenModes warns when the state file or its folder lets other users in: the state holds
// every execution's outputs and logs. A shared folder with the sticky bit (/tmp) is left
// alone: there the file's own mode is what keeps others out.
func warnOpenModes(w io.Writer, path string) {
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(w, "flowctl: warning: state file %s has mode %04o, open to other users: chmod 600 %s\n",
			path, st.Mode().Perm(), shellQuote(path))
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err == nil && st.Mode().Perm()&0o077 != 0 && st.Mode()&fs.ModeSticky == 0 {
		fmt.Fprintf(w, "flowctl: warning: state folder %s has mode %04o, open to other users: chmod 700 %s\n",
			dir, st.Mode().Perm(), shellQuote(dir))
	}
}

// shellQuote writes s so that a shell reads it back as one word.
func shellQuote(s string) string {
	if plainWord(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// plainWord reports whether s is a word a shell reads as it is: letters, digits and
// _./:@%+=,- only. A loop, not a regexp compiled when flowctl starts.
func plainWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_./:@%+=,-", c) >= 0) {
			return false
		}
	}
	return true
}

// stateFileFor checks the -o flag and returns the existing state file that state check and
// state recover read, warning when it is open to other users.
func stateFileFor(s Streams, output, statePath string) (string, error) {
	if err := outputFlag(output); err != nil {
		return "", err
	}
	path, err := existingStatePath(statePath)
	if err != nil {
		return "", err
	}
	warnOpenModes(s.Err, path)
	return path, nil
}

func newStateCmd(s Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "state",
		Short: "Check the state file, and recover what is readable of a damaged one",
	}
	c.AddCommand(newStateCheckCmd(s), newStateRecoverCmd(s))
	return c
}

// checkJSON is `state check -o json`.
type checkJSON struct {
	Path       string   `json:"path"`
	Sound      bool     `json:"sound"`
	Executions int      `json:"executions"`
	Flows      int      `json:"flows"`
	Pages      int      `json:"pages"`
	Damaged    int      `json:"damaged"`
	Problems   []string `json:"problems"`
}

func newStateCheckCmd(s Streams) *cobra.Command {
	var statePath, output string
	c := &cobra.Command{
		Use:   "check",
		Short: "Read the whole state file and report any damage",
		Long: `Read every page and every record of the state file, under a shared lock (other flowctl
processes go on reading; their writes wait), and report what is damaged. Exit 0 when the
state is sound, 2 when it is damaged or cannot be read; flowctl state recover then copies
what is readable into a new file. The file is only read.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			path, err := stateFileFor(s, output, statePath)
			if err != nil {
				return err
			}
			rep, err := state.Check(path, state.Options{Context: c.Context()})
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			if output == "json" {
				j := checkJSON{Path: path, Sound: rep.Damaged == 0, Executions: rep.Executions, Flows: rep.Flows,
					Pages: rep.Pages, Damaged: rep.Damaged, Problems: rep.Problems}
				if j.Problems == nil {
					j.Problems = []string{}
				}
				if err := report.WriteJSON(s.Out, j); err != nil {
					return err
				}
			} else if rep.Damaged == 0 {
				fmt.Fprintf(s.Out, "state %s: sound: %s, %s, %s\n", path, count(rep.Executions, "execution"), count(rep.Flows, "flow"), count(rep.Pages, "page"))
			} else {
				writeProblems(s.Out, rep.Problems, rep.Damaged)
			}
			if rep.Damaged > 0 {
				return &exitError{code: ExitUsage, err: fmt.Errorf("state %s: damaged (%s); copy what is readable into a new file with: flowctl state recover --state %s",
					path, count(rep.Damaged, "problem"), shellQuote(path))}
			}
			return nil
		},
	}
	stateFlag(c, &statePath)
	c.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return c
}

// existingStatePath is resolveStatePath for commands that read a state that must exist.
func existingStatePath(flag string) (string, error) {
	path, err := resolveStatePath(flag)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return "", usageErrorf("state %s: no such file (give --state PATH or set FLOWCTL_STATE)", path)
	}
	return path, nil
}

// writeProblems lists the damage found: the first problems, and how many more.
func writeProblems(w io.Writer, problems []string, total int) {
	for _, p := range problems {
		fmt.Fprintf(w, "damaged: %s\n", p)
	}
	if more := total - len(problems); more > 0 {
		fmt.Fprintf(w, "damaged: ... and %d more\n", more)
	}
}

// recoverJSON is `state recover -o json`.
type recoverJSON struct {
	From       string   `json:"from"`
	To         string   `json:"to"`
	Executions int      `json:"executions"`
	Lost       int      `json:"lost"`
	LogLines   int      `json:"logLines"`
	Flows      int      `json:"flows"`
	Schedules  int      `json:"schedules"`
	KV         int      `json:"kv"`
	Damaged    int      `json:"damaged"`
	Problems   []string `json:"problems"`
}

func newStateRecoverCmd(s Streams) *cobra.Command {
	var statePath, to, output string
	c := &cobra.Command{
		Use:   "recover [--to NEW]",
		Short: "Copy what is readable of a damaged state into a new state file",
		Long: `Copy every readable execution of the state, with its logs, the applied flows, the
schedule entries and the KV store into a new state file (default: the state's path with .recovered added),
reading the old one page by page and skipping what is damaged. The old file is only read.
Run it while no other flowctl process uses the state, then put the new file in its place.
Concurrency slots are not copied: they belong to executions running now.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			path, err := stateFileFor(s, output, statePath)
			if err != nil {
				return err
			}
			if to == "" {
				to = path + ".recovered"
			}
			rep, err := state.Recover(path, to, state.Options{Context: c.Context()})
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			if output == "json" {
				j := recoverJSON{From: path, To: to, Executions: rep.Executions, Lost: rep.Lost, LogLines: rep.LogLines,
					Flows: rep.Flows, Schedules: rep.Schedules, KV: rep.KV, Damaged: rep.Damaged, Problems: rep.Problems}
				if j.Problems == nil {
					j.Problems = []string{}
				}
				return report.WriteJSON(s.Out, j)
			}
			writeProblems(s.Out, rep.Problems, rep.Damaged)
			fmt.Fprintf(s.Out, "%s recovered (%s), %d lost; %s, %s, %s; into %s\n", count(rep.Executions, "execution"),
				count(rep.LogLines, "log line"), rep.Lost, count(rep.Flows, "flow"), count(rep.Schedules, "schedule"), count(rep.KV, "KV pair"), to)
			fmt.Fprintf(s.Err, "flowctl: %s is as it was; to use the recovered state: mv %s %s.damaged && mv %s %s\n",
				path, shellQuote(path), shellQuote(path), shellQuote(to), shellQuote(path))
			return nil
		},
	}
	stateFlag(c, &statePath)
	c.Flags().StringVar(&to, "to", "", "the new state file to write (it must not exist yet)")
	c.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return c
}
