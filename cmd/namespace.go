package cmd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/runner/storage"
	"github.com/flowctl/flowctl/tasks"
)

func newNamespaceCmd(fac *factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "namespace",
		Short: "Manage what a namespace keeps for its flows: its files",
	}
	c.AddCommand(newNamespaceFilesCmd(fac))
	return c
}

func newNamespaceFilesCmd(fac *factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "files",
		Short: "Push, list, read and delete a namespace's files (Kestra's Namespace Files)",
		Long: `A namespace's files (scripts, SQL, configuration) live in the internal storage beside the
state, at kestra:///<namespace>/_files/<path>. Flows use them through namespaceFiles (a
WorkingDirectory or a script task copies them into its working folder), read('path') and
fileURI('path'). A namespace sees its own files only: a child namespace does not inherit
its parent's, as in Kestra.`,
	}
	c.AddCommand(newNamespaceFilesPushCmd(fac), newNamespaceFilesListCmd(fac), newNamespaceFilesGetCmd(fac), newNamespaceFilesDeleteCmd(fac))
	return c
}

func newNamespaceFilesPushCmd(fac *factory) *cobra.Command {
	var statePath string
	var del bool
	c := &cobra.Command{
		Use:     "push NAMESPACE DIR [TO]",
		Aliases: []string{"update"},
		Short:   "Upload the files of a local folder as the namespace's files (under TO, default /)",
		Long: `Upload every regular file under DIR as a file of NAMESPACE, at TO/<its path under DIR>,
replacing a file of that path; Kestra's "kestra namespace files update" (an alias), with
its arguments. Files and folders a .kestraignore at the top of DIR names (gitignore
patterns) are left out, and so is the .kestraignore itself. With --delete the files under
TO are removed first, so the namespace holds exactly the folder's files.`,
		Example: `  flowctl namespace files push company.team ./scripts
  flowctl namespace files push company.team ./sql /queries --delete`,
		Args: cobra.RangeArgs(2, 3),
		RunE: func(c *cobra.Command, args []string) error {
			ns, dir, to := args[0], args[1], "/"
			if len(args) == 3 {
				to = "/" + strings.Trim(args[2], "/")
			}
			st, err := os.Stat(dir)
			if err != nil || !st.IsDir() {
				return usageErrorf("%s: not a folder (give the folder whose files to upload)", dir)
			}
			paths, err := pushList(dir)
			if err != nil {
				return usageErrorf("%v", err)
			}
			store, err := fac.openState(c.Context(), statePath, false)
			if err != nil {
				return err
			}
			root := store.Storage()
			if del {
				if _, err := root.DeleteNamespaceFiles(ns, to); err != nil {
					return &exitError{code: ExitUsage, err: err}
				}
			}
			for _, rel := range paths {
				dest := path.Join(to, rel)
				if err := pushFile(root, ns, filepath.Join(dir, filepath.FromSlash(rel)), dest); err != nil {
					return &exitError{code: ExitUsage, err: err}
				}
				fmt.Fprintf(fac.Out, "Successfully uploaded %s to %s\n", filepath.Join(dir, filepath.FromSlash(rel)), dest)
			}
			if len(paths) == 0 {
				fmt.Fprintf(fac.Err, "flowctl: %s holds no file to upload\n", dir)
			}
			return nil
		},
	}
	stateFlag(c, &statePath)
	c.Flags().BoolVar(&del, "delete", false, "remove the namespace's files under TO first")
	return c
}

// pushFile uploads the local file src as the namespace file dest.
func pushFile(root *storage.Root, ns, src, dest string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = root.PutNamespaceFile(ns, dest, f)
	return err
}

// kestraIgnore is the file at the top of a pushed folder that names what not to upload.
const kestraIgnore = ".kestraignore"

// pushList returns the paths (relative, with slashes) of the regular files under dir to
// upload: all but what the folder's .kestraignore names, and the .kestraignore itself.
func pushList(dir string) ([]string, error) {
	ignore, err := readIgnore(filepath.Join(dir, kestraIgnore))
	if err != nil {
		return nil, err
	}
	var out []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		if ignore.ignored(rel, d.IsDir()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && rel != kestraIgnore {
			out = append(out, rel)
		}
		return nil
	})
	return out, err
}

// ignoreRule is one line of a .kestraignore, read as gitignore reads it.
type ignoreRule struct {
	match   func(string) bool
	negate  bool // "!pattern": not ignored after all
	dirOnly bool // "pattern/": folders only
}

type ignoreRules []ignoreRule

// readIgnore reads a .kestraignore; none means nothing is ignored. It takes gitignore's
// common forms: comments, "!" to re-include, a trailing "/" for folders, a pattern without
// a slash matching at any depth, "*", "?", "[...]" and "**".
func readIgnore(file string) (ignoreRules, error) {
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rules ignoreRules
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \t\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var r ignoreRule
		line, r.negate = strings.CutPrefix(line, "!")
		line, r.dirOnly = strings.CutSuffix(line, "/")
		if !strings.Contains(line, "/") {
			line = "**/" + line
		}
		if r.match, err = tasks.CompileGlob(strings.TrimPrefix(line, "/")); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", file, n, err)
		}
		rules = append(rules, r)
	}
	return rules, sc.Err()
}

// ignored tells whether rel (a folder when dir) is ignored: the last rule that matches it
// decides.
func (rs ignoreRules) ignored(rel string, dir bool) bool {
	out := false
	for _, r := range rs {
		if (!r.dirOnly || dir) && r.match(rel) {
			out = !r.negate
		}
	}
	return out
}

func newNamespaceFilesListCmd(fac *factory) *cobra.Command {
	var statePath, output string
	c := &cobra.Command{
		Use:   "list NAMESPACE",
		Short: "List the files of a namespace, with their sizes and dates",
		Args:  cobra.ExactArgs(1),
		RunE: runWithState(fac, &statePath, true, func() error { return outputFlag(output) }, func(store *state.Store, args []string) error {
			files, err := store.Storage().NamespaceFiles(args[0])
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			if files == nil {
				files = []storage.NamespaceFile{} // -o json: [], not null
			}
			return writeListing(fac.Streams, output, files, len(files),
				fmt.Sprintf("no file in namespace %s (flowctl namespace files push %s DIR uploads a folder)", args[0], args[0]),
				"PATH\tSIZE\tUPDATED", func(w io.Writer) {
					for _, f := range files {
						fmt.Fprintf(w, "%s\t%d\t%s\n", f.Path, f.Size, f.Modified.UTC().Format(time.RFC3339))
					}
				})
		}),
	}
	stateFlag(c, &statePath)
	c.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return c
}

func newNamespaceFilesGetCmd(fac *factory) *cobra.Command {
	var statePath, output string
	c := &cobra.Command{
		Use:   "get NAMESPACE PATH",
		Short: "Copy one file of a namespace out (to stdout, or to a file with -o; exit 1 when it is missing)",
		Args:  cobra.ExactArgs(2),
		RunE: runWithState(fac, &statePath, true, nil, func(store *state.Store, args []string) error {
			rc, err := store.Storage().OpenNamespaceFile(args[0], args[1])
			if errors.Is(err, fs.ErrNotExist) {
				return &exitError{code: ExitFailed, err: fmt.Errorf("no file '%s' in namespace '%s' (flowctl namespace files list %s shows its files)", args[1], args[0], args[0])}
			}
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			defer rc.Close()
			if output == "" || output == "-" {
				return copyOut(fac.Out, rc, args[1])
			}
			return copyToFile(output, rc)
		}),
	}
	stateFlag(c, &statePath)
	c.Flags().StringVarP(&output, "output", "o", "", "write the file to `FILE` rather than stdout")
	return c
}

func newNamespaceFilesDeleteCmd(fac *factory) *cobra.Command {
	var statePath string
	c := &cobra.Command{
		Use:   "delete NAMESPACE PATH",
		Short: "Delete a file of a namespace, or a folder and every file under it (nothing there is not an error: it is said on stderr)",
		Args:  cobra.ExactArgs(2),
		RunE: runWithState(fac, &statePath, false, nil, func(store *state.Store, args []string) error {
			n, err := store.Storage().DeleteNamespaceFiles(args[0], args[1])
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			if n == 0 {
				nothingDeleted(fac.Streams, "file", args[1], args[0])
			}
			return nil
		}),
	}
	stateFlag(c, &statePath)
	return c
}
