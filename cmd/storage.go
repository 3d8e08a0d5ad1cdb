package cmd

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/flowctl/flowctl/report"
	"github.com/flowctl/flowctl/runner/storage"
)

func newStorageCmd(fac *factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "storage",
		Short: "Read the internal storage: the files executions' tasks handed each other",
	}
	c.AddCommand(newStorageGetCmd(fac))
	return c
}

func newStorageGetCmd(fac *factory) *cobra.Command {
	s := fac.Streams
	var statePath, output string
	c := &cobra.Command{
		Use:   "get URI",
		Short: "Copy one file of the internal storage out (to stdout, or to a file with -o)",
		Long: `Copy the file at a kestra:// URI (an outputs.<task>.outputFiles value, say; flowctl
executions show ID lists an execution's files) to stdout, or to FILE with -o. A file that
looks binary is not written to a terminal: give -o FILE or pipe it.`,
		Example: `  flowctl storage get kestra:///dev/report/executions/5fGq.../tasks/make/1xRw.../3k9-out.csv
  flowctl storage get -o out.csv "$(flowctl executions show -o json ID | jq -r '.taskRunList[0].outputs.outputFiles["out.csv"]')"`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			store, err := fac.openState(c.Context(), statePath, true)
			if err != nil {
				return err
			}
			rc, err := store.Storage().OpenURI(args[0])
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return usageErrorf("%v (see flowctl executions show ID for an execution's files)", err)
				}
				return &exitError{code: ExitUsage, err: err}
			}
			defer rc.Close()
			if output == "" || output == "-" {
				return copyOut(s.Out, rc, args[0])
			}
			return copyToFile(output, rc)
		},
	}
	stateFlag(c, &statePath)
	c.Flags().StringVarP(&output, "output", "o", "", "write the file to `FILE` rather than stdout")
	return c
}

// sniffLen is how much of a file is looked at to tell text from binary, as git does.
const sniffLen = 8000

// copyOut copies a stored file to w; one that holds a NUL byte in its first bytes is binary,
// and is not written to a terminal, where it would garble the screen.
func copyOut(w io.Writer, r io.Reader, uri string) error {
	br := bufio.NewReaderSize(r, sniffLen)
	head, err := br.Peek(sniffLen)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return fmt.Errorf("%s: %w", uri, err)
	}
	if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) && bytes.IndexByte(head, 0) >= 0 {
		return usageErrorf("%s looks binary: not written to the terminal; give -o FILE or pipe it", uri)
	}
	if _, err := io.Copy(w, br); err != nil {
		return fmt.Errorf("%s: %w", uri, err)
	}
	return nil
}

// copyToFile writes r to path, made as any file the user makes (0666 less the umask); a copy
// that fails leaves no file behind.
func copyToFile(path string, r io.Reader) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		return &exitError{code: ExitUsage, err: fmt.Errorf("-o: %w", err)}
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("-o %s: %w", path, err)
	}
	return nil
}

// writeFiles lists an execution's stored files with their sizes in bytes.
func writeFiles(w io.Writer, p *report.Palette, files []storage.File) {
	if len(files) == 0 {
		return
	}
	width := 0
	for _, f := range files {
		width = max(width, len(strconv.FormatInt(f.Size, 10)))
	}
	fmt.Fprintf(w, "\n%s\n", p.Bold("files"))
	for _, f := range files {
		fmt.Fprintf(w, "  %*d B  %s\n", width, f.Size, p.Text(f.URI))
	}
}
