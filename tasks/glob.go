package tasks

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// globMatcher matches slash-separated relative paths against one outputFiles glob.
type globMatcher struct {
	re *regexp.Regexp
}

func (g *globMatcher) match(path string) bool { return g.re.MatchString(path) }

// compileGlob reads a glob in the syntax of Java's PathMatcher, which Kestra uses for
// outputFiles: `*` and `?` stay within one folder, `**` crosses folders, `[abc]`, `[!a-c]`
// and `{a,b}` as in a shell, `\` escapes. One difference, on purpose: `**/` also matches no
// folder at all, so `**/*.csv` finds the CSV files at the top of the working folder too.
func compileGlob(glob string) (*globMatcher, error) {
	return compileGlobMode(glob, false)
}

// compileJavaGlob is compileGlob exactly as Java's PathMatcher reads the glob: `**/` needs a
// folder, and a leading ./ is matched as written. Kestra matches namespace files (paths with
// a leading slash) and cache patterns this way.
func compileJavaGlob(glob string) (*globMatcher, error) {
	return compileGlobMode(glob, true)
}

func compileGlobMode(glob string, exact bool) (*globMatcher, error) {
	if glob == "" {
		return nil, errors.New("empty glob")
	}
	orig := glob
	if !exact {
		glob = strings.TrimPrefix(glob, "./") // paths are matched relative, without a leading ./
	}
	var b strings.Builder
	b.WriteString("^")
	depth := 0 // inside {a,b}
	for i := 0; i < len(glob); i++ {
		c := glob[i]
		switch c {
		case '*':
			switch {
			case !exact && strings.HasPrefix(glob[i:], "**/"):
				b.WriteString("(?:.*/)?")
				i += 2
			case strings.HasPrefix(glob[i:], "**"):
				b.WriteString(".*")
				i++
			default:
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		case '[':
			end := strings.IndexByte(glob[i+1:], ']')
			if end < 0 {
				return nil, fmt.Errorf("glob %q: [ without ]", orig)
			}
			class := glob[i+1 : i+1+end]
			i += end + 1
			if class == "" {
				return nil, fmt.Errorf("glob %q: empty []", orig)
			}
			b.WriteString("[")
			if class[0] == '!' {
				b.WriteString("^/")
				class = class[1:]
			}
			b.WriteString(strings.NewReplacer(`\`, `\\`, `[`, `\[`, `^`, `\^`).Replace(class))
			b.WriteString("]")
		case '{':
			depth++
			b.WriteString("(?:")
		case '}':
			if depth == 0 {
				return nil, fmt.Errorf("glob %q: } without {", orig)
			}
			depth--
			b.WriteString(")")
		case ',':
			if depth > 0 {
				b.WriteString("|")
			} else {
				b.WriteString(",")
			}
		case '\\':
			if i+1 == len(glob) {
				return nil, fmt.Errorf("glob %q: ends with \\", orig)
			}
			i++
			b.WriteString(regexp.QuoteMeta(glob[i : i+1]))
		default:
			b.WriteString(regexp.QuoteMeta(glob[i : i+1]))
		}
	}
	if depth > 0 {
		return nil, fmt.Errorf("glob %q: { without }", orig)
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("glob %q: %w", orig, err)
	}
	return &globMatcher{re: re}, nil
}

// CompileGlob compiles a glob matched against relative, slash-separated paths, as outputFiles
// globs are (`**/` also matching no folder), and returns its test.
func CompileGlob(glob string) (func(string) bool, error) {
	g, err := compileGlob(glob)
	if err != nil {
		return nil, err
	}
	return g.match, nil
}
