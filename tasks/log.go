package tasks

import (
	"fmt"
	"strings"
)

// Level is the level of a log line, Kestra's TRACE to ERROR.
type Level int

// The log levels, lowest first.
const (
	LevelTrace Level = iota
	LevelDebug
	LevelInfo
	LevelWarn
	LevelError
)

var levelNames = [...]string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR"}

// String returns the Kestra name of the level.
func (l Level) String() string {
	if l < 0 || int(l) >= len(levelNames) {
		return fmt.Sprintf("Level(%d)", int(l))
	}
	return levelNames[l]
}

// ParseLevel reads a level name, in any case; WARNING is accepted for WARN.
func ParseLevel(s string) (Level, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if u == "WARNING" {
		return LevelWarn, nil
	}
	for i, n := range levelNames {
		if n == u {
			return Level(i), nil
		}
	}
	return 0, fmt.Errorf("unknown log level %q (one of TRACE, DEBUG, INFO, WARN, ERROR)", s)
}

// Logger records the lines of one task run. The runner builds it so that every line is
// prefixed, masked and kept in the execution; tasks only call it.
type Logger struct {
	emit  func(Level, string)
	batch func(fn func())
	mask  Masking
	min   Level // lines below it are dropped
}

// Masking hides the secret values of an execution in text (the runner's masker).
type Masking interface {
	// String returns s with every secret value replaced.
	String(s string) string
	// Longest is the length in bytes of the longest secret value.
	Longest() int
}

// WithMasking makes the logger hand out m to tasks that cut long output in pieces: they mask
// before cutting, so that no secret is split across two lines. It returns l.
func (l *Logger) WithMasking(m Masking) *Logger {
	l.mask = m
	return l
}

// WithBatch makes Batch run its function through batch, which lets the printer hold the
// lines logged meanwhile and write them at once. It returns l.
func (l *Logger) WithBatch(batch func(fn func())) *Logger {
	l.batch = batch
	return l
}

// Batch runs fn, which logs many lines at once (a read of a script's output): they may be
// printed together, in one write, when fn returns, rather than one write each.
func (l *Logger) Batch(fn func()) {
	if l == nil || l.batch == nil {
		fn()
		return
	}
	l.batch(fn)
}

// WithMinLevel drops the lines below min: a task's logLevel. It returns l.
func (l *Logger) WithMinLevel(min Level) *Logger {
	l.min = min
	return l
}

// masking is the Masking of l, or nil.
func (l *Logger) masking() Masking {
	if l == nil {
		return nil
	}
	return l.mask
}

// NewLogger returns a Logger that hands every line to emit.
func NewLogger(emit func(level Level, msg string)) *Logger {
	return &Logger{emit: emit}
}

// Log records msg at level. A nil Logger discards it.
func (l *Logger) Log(level Level, msg string) {
	if l == nil || l.emit == nil || level < l.min {
		return
	}
	l.emit(level, msg)
}

// Infof records a formatted INFO line.
func (l *Logger) Infof(format string, args ...any) { l.Log(LevelInfo, fmt.Sprintf(format, args...)) }

// Warnf records a formatted WARN line.
func (l *Logger) Warnf(format string, args ...any) { l.Log(LevelWarn, fmt.Sprintf(format, args...)) }

// Errorf records a formatted ERROR line.
func (l *Logger) Errorf(format string, args ...any) { l.Log(LevelError, fmt.Sprintf(format, args...)) }
