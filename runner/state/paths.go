package state

import (
	"errors"
	"os"
	"path/filepath"
)

// Path resolves where the state file lives: the --state flag value, else $FLOWCTL_STATE,
// else $XDG_STATE_HOME/flowctl/state.db, else ~/.local/state/flowctl/state.db. getenv is
// os.Getenv outside tests (nil means os.Getenv). The path is returned as given, not made
// absolute, so error messages show what the user typed.
func Path(flag string, getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if flag != "" {
		return flag, nil
	}
	if p := getenv("FLOWCTL_STATE"); p != "" {
		return p, nil
	}
	// The XDG base directory spec says a relative XDG_STATE_HOME is invalid and must be
	// ignored, so a stray "XDG_STATE_HOME=state" does not scatter files into the cwd.
	if d := getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "flowctl", "state.db"), nil
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "state", "flowctl", "state.db"), nil
	}
	return "", errors.New("state: cannot tell where the state file goes: HOME is not set (give --state PATH or set FLOWCTL_STATE)")
}
