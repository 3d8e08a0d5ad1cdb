package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// fileOutput is the value of the flow output id of type FILE, as Kestra's typedOutputs makes
// it: a kestra:// URI is kept as it is; anything else is the path of a local file, stored in
// the execution's storage (.../executions/<id>/inputs/<output>/<file name>, where Kestra
// stores it too) and replaced by its URI.
func (e *engine) fileOutput(id string, v any) (any, error) {
	s, ok := v.(string)
	if !ok || strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("expected a kestra:// URI or the path of a file, got %s", describe(v))
	}
	if strings.HasPrefix(s, "kestra://") {
		return s, nil
	}
	f, err := os.Open(s)
	if err != nil {
		return nil, fmt.Errorf("expected a kestra:// URI or the path of a file: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s is a folder, not a file", s)
	}
	return e.files.PutInput(id, filepath.Base(s), f)
}

// describe names what a rendered value is, for messages.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "nothing (null)"
	case string:
		return "an empty string"
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	default:
		return fmt.Sprintf("%v", v)
	}
}
