package tasks

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
)

// NamespaceFiles is Kestra's namespaceFiles property of WorkingDirectory and the script
// tasks: which files of the flow's namespace are copied into the working folder before the
// run.
type NamespaceFiles struct {
	Enabled *bool    `flow:"enabled" doc:"Copy the namespace's files (default true once the block is given)."`
	Include []string `flow:"include" doc:"Globs (or regex: expressions) of the files to copy; none means all. A glob starting with a letter matches at any depth."`
	Exclude []string `flow:"exclude" doc:"Globs (or regex: expressions) of the files not to copy."`
}

// On tells whether the block asks for the files: given, and enabled not false.
func (n *NamespaceFiles) On() bool { return n != nil && (n.Enabled == nil || *n.Enabled) }

// NamespaceStore is the flow's namespace's files as a run sees them: Kestra's namespace
// files, nothing inherited from a parent namespace.
type NamespaceStore interface {
	// ListNamespaceFiles returns the paths of the namespace's files, with a leading slash.
	ListNamespaceFiles() ([]string, error)
	// OpenNamespaceFile opens the file at path (as listed).
	OpenNamespaceFile(path string) (io.ReadCloser, error)
}

// CopyNamespaceFiles copies the namespace's files that nf's include and exclude select into
// dir, keeping their paths, and returns how many it copied. Patterns are rendered first.
func CopyNamespaceFiles(tc *Context, dir string, nf *NamespaceFiles) (int, error) {
	if !nf.On() {
		return 0, nil
	}
	include, err := tc.renderList("namespaceFiles.include", nf.Include)
	if err != nil {
		return 0, err
	}
	exclude, err := tc.renderList("namespaceFiles.exclude", nf.Exclude)
	if err != nil {
		return 0, err
	}
	match, err := pathPredicate(include, exclude)
	if err != nil {
		return 0, &PropError{Prop: "namespaceFiles", Err: err}
	}
	if tc.Namespace == nil {
		return 0, errors.New("namespaceFiles: the namespace files are not available here")
	}
	paths, err := tc.Namespace.ListNamespaceFiles()
	if err != nil {
		return 0, fmt.Errorf("namespaceFiles: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return 0, fmt.Errorf("namespaceFiles: %w", err)
	}
	defer root.Close()
	n := 0
	for _, p := range paths {
		if !match(p) {
			continue
		}
		if err := copyNamespaceFile(tc.Namespace, p, root); err != nil {
			return n, fmt.Errorf("namespaceFiles: %s: %w", p, err)
		}
		n++
	}
	return n, nil
}

// copyNamespaceFile copies the namespace file p to its path in the working folder, opened as
// an os.Root: a link an earlier task of a WorkingDirectory left there leads nowhere out.
func copyNamespaceFile(ns NamespaceStore, p string, root *os.Root) error {
	rel := strings.TrimPrefix(p, "/")
	if err := CheckFileName(rel); err != nil {
		return err
	}
	src, err := ns.OpenNamespaceFile(p)
	if err != nil {
		return err
	}
	defer src.Close()
	return writeIn(root, rel, src)
}

// WriteUnder writes what src yields to the file at rel (slash-separated) under dir, making
// its folders; nothing, links included, leads it out of dir.
func WriteUnder(dir, rel string, src io.Reader) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	return writeIn(root, rel, src)
}

// writeIn is WriteUnder in an opened folder.
func writeIn(root *os.Root, rel string, src io.Reader) error {
	if d := path.Dir(rel); d != "." {
		if err := root.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	f, err := root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, src)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// pathPredicate is Kestra's PathMatcherPredicate built from includes and excludes: a path
// (with a leading slash) passes when it matches an include (or there is none) and no
// exclude.
func pathPredicate(include, exclude []string) (func(string) bool, error) {
	inc, err := pathMatchers("include", include, "")
	if err != nil {
		return nil, err
	}
	exc, err := pathMatchers("exclude", exclude, "")
	if err != nil {
		return nil, err
	}
	return func(p string) bool {
		return (len(inc) == 0 || anyMatch(inc, p)) && !anyMatch(exc, p)
	}, nil
}

func anyMatch(ms []func(string) bool, p string) bool {
	return slices.ContainsFunc(ms, func(m func(string) bool) bool { return m(p) })
}

// wordStart is Kestra's test for a pattern to be matched at any depth: it starts with a
// letter, digit or underscore.
var wordStart = regexp.MustCompile(`^\w`)

// pathMatchers reads patterns as Kestra's PathMatcherPredicate does: "regex:" and "glob:"
// prefixes name the syntax; otherwise a glob, under base when base is given ("/x" and "x"
// alike), else at any depth when it starts with a word character ("**/" is put in front).
func pathMatchers(prop string, patterns []string, base string) ([]func(string) bool, error) {
	var out []func(string) bool
	for i, p := range patterns {
		var m func(string) bool
		switch {
		case strings.HasPrefix(p, "regex:"):
			re, err := regexp.Compile(`^(?:` + p[len("regex:"):] + `)$`)
			if err != nil {
				var se *syntax.Error
				if errors.As(err, &se) {
					err = errors.New(string(se.Code))
				}
				return nil, fmt.Errorf("%s[%d]: %q: %v", prop, i, p, err)
			}
			m = re.MatchString
		default:
			glob, ok := strings.CutPrefix(p, "glob:")
			if !ok {
				switch {
				case base != "":
					glob = base + "/" + strings.TrimPrefix(strings.ReplaceAll(p, "\\", "/"), "/")
				case wordStart.MatchString(p):
					glob = "**/" + p
				}
			}
			g, err := compileJavaGlob(glob)
			if err != nil {
				// The error names the glob as rewritten ("**/" or the base before it): say
				// what is wrong of the pattern as written.
				_, why, _ := strings.Cut(err.Error(), ": ")
				return nil, fmt.Errorf("%s[%d]: %q: %s", prop, i, p, why)
			}
			m = g.match
		}
		out = append(out, m)
	}
	return out, nil
}

// FindFilesMatching returns the paths (relative, with slashes, sorted) of the regular files
// under dir that match one of patterns, read as Kestra's WorkingDir.findAllFilesMatching
// reads them: relative to dir ("*.txt" is the text files at its top, "node_modules/**" all
// under node_modules). No pattern matches nothing.
func FindFilesMatching(dir string, patterns []string) ([]string, error) {
	if len(patterns) == 0 {
		return nil, nil
	}
	// The base is a fixed name rather than dir itself, which may hold glob characters.
	const base = "/base"
	ms, err := pathMatchers("patterns", patterns, base)
	if err != nil {
		return nil, err
	}
	var out []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if anyMatch(ms, base+"/"+rel) {
			out = append(out, rel)
		}
		return nil
	})
	return out, err
}

// CheckPatterns checks include, exclude or cache patterns as written, before a run: a glob
// or regex: expression that cannot be read is named with its index. Patterns holding a
// template are only known once rendered, and are left for then.
func CheckPatterns(prop string, patterns []string) error {
	var plain []string
	for _, p := range patterns {
		if strings.Contains(p, "{{") || strings.Contains(p, "{%") {
			p = "x" // keeps the indexes of the others
		}
		plain = append(plain, p)
	}
	_, err := pathMatchers(prop, plain, "")
	return err
}
