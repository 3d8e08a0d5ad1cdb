package tasks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// maxLine is the longest line kept whole; a longer one is logged in pieces of this size, so a
// script printing without newlines cannot make flowctl hold it all in memory.
const maxLine = 1 << 20

// lineWriter cuts a byte stream into lines and hands each to emit as soon as its newline
// arrives. A "\r" before the newline is dropped (CRLF output).
type lineWriter struct {
	buf  []byte
	emit func(string)
	// mask, when set, masks a line before it is cut in pieces (see split).
	mask Masking
}

// Write emits every complete line of p and keeps the rest for the next Write.
func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.buf = append(w.buf, p...)
			w.split()
			break
		}
		w.buf = append(w.buf, p[:i]...)
		p = p[i+1:]
		w.split()
		w.emit(string(bytes.TrimSuffix(w.buf, []byte("\r"))))
		w.buf = w.buf[:0]
	}
	return n, nil
}

// split emits pieces of at most maxLine bytes while the pending line is longer than that,
// cutting on a rune boundary so each piece stays valid UTF-8 when the line is.
//
// Each piece is masked on its own downstream, so a secret across a cut would show both of
// its halves: the pending bytes are masked first, and the last Longest()-1 of them stay for
// the next piece, since they may begin a secret whose end has not arrived yet.
func (w *lineWriter) split() {
	for len(w.buf) > maxLine {
		cut := maxLine
		if w.mask != nil {
			w.buf = append(w.buf[:0], w.mask.String(string(w.buf))...)
			if len(w.buf) <= maxLine {
				return
			}
			// A secret longer than half a piece cannot be held back whole: such a value is
			// a file, not a token, and the engine still masks each piece.
			hold := min(w.mask.Longest()-1, maxLine/2)
			cut = min(cut, len(w.buf)-max(hold, 0))
		}
		start := cut
		for k := 0; k < utf8.UTFMax && cut > 0 && !utf8.RuneStart(w.buf[cut]); k++ {
			cut--
		}
		if cut == 0 || !utf8.RuneStart(w.buf[cut]) {
			cut = start
		}
		w.emit(string(w.buf[:cut]))
		w.buf = append(w.buf[:0], w.buf[cut:]...)
	}
}

// flush emits a last line that had no newline.
func (w *lineWriter) flush() {
	if len(w.buf) > 0 {
		w.emit(string(bytes.TrimSuffix(w.buf, []byte("\r"))))
		w.buf = w.buf[:0]
	}
}

// protocolLine is Kestra's output protocol: a line ::{json}:: carries outputs, metrics and
// log entries instead of being logged.
var protocolLine = regexp.MustCompile(`^::(\{.*\})::$`)

// scriptLog receives the lines of a script's stdout and stderr. The two pipes are read by two
// goroutines; mu serializes them so the Logger sees one call at a time, in order, and the
// collected outputs are not raced.
type scriptLog struct {
	mu          sync.Mutex
	log         *Logger
	stderrLines int
	vars        map[string]any
	metrics     []Metric
}

// newScriptLog returns a scriptLog logging to l, with no outputs yet.
func newScriptLog(l *Logger) *scriptLog {
	return &scriptLog{log: l, vars: map[string]any{}}
}

// line logs one output line (stdout at INFO, stderr at ERROR), or applies it when it is a
// protocol line.
func (s *scriptLog) line(stderr bool, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := protocolLine.FindStringSubmatch(text); m != nil {
		s.protocol(text, m[1])
		return
	}
	if stderr {
		s.stderrLines++
		s.log.Log(LevelError, text)
		return
	}
	s.log.Log(LevelInfo, text)
}

// protocolMessage is the JSON of a protocol line.
type protocolMessage struct {
	Outputs map[string]any `json:"outputs"`
	Metrics []struct {
		Name  string         `json:"name"`
		Type  string         `json:"type"`
		Value *float64       `json:"value"`
		Tags  map[string]any `json:"tags"`
	} `json:"metrics"`
	Logs []struct {
		Level   string `json:"level"`
		Message string `json:"message"`
	} `json:"logs"`
}

// protocol applies one protocol line. The whole line is checked before any of it is applied,
// so a line with one bad entry changes nothing and is reported once.
func (s *scriptLog) protocol(line, js string) {
	var msg protocolMessage
	dec := json.NewDecoder(strings.NewReader(js))
	dec.UseNumber()
	err := dec.Decode(&msg)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			err = fmt.Errorf("data after the JSON object")
		}
	}
	metrics := make([]Metric, 0, len(msg.Metrics))
	for _, m := range msg.Metrics {
		if err != nil {
			break
		}
		typ := strings.ToLower(m.Type)
		if m.Name == "" || (typ != "counter" && typ != "timer") || m.Value == nil {
			err = fmt.Errorf("bad metric")
			break
		}
		metric := Metric{Name: m.Name, Type: typ, Value: *m.Value}
		for k, v := range m.Tags {
			if metric.Tags == nil {
				metric.Tags = map[string]string{}
			}
			metric.Tags[k] = fmt.Sprint(v)
		}
		metrics = append(metrics, metric)
	}
	levels := make([]Level, len(msg.Logs))
	for i, l := range msg.Logs {
		if err != nil {
			break
		}
		levels[i], err = protocolLevel(l.Level)
	}
	if err != nil {
		s.log.Log(LevelWarn, fmt.Sprintf("Invalid outputs '%s'", line))
		return
	}
	for k, v := range msg.Outputs {
		s.vars[k] = jsonValue(v)
	}
	s.metrics = append(s.metrics, metrics...)
	for i, l := range msg.Logs {
		s.log.Log(levels[i], l.Message)
	}
}

// protocolLevel reads the level of a protocol log entry: Kestra's names, plus the Python
// logging names Kestra's Python library may pass through. An absent level is INFO.
func protocolLevel(s string) (Level, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "":
		return LevelInfo, nil
	case "CRITICAL", "FATAL":
		return LevelError, nil
	}
	return ParseLevel(s)
}

// jsonValue turns the json.Numbers of a decoded value into int when integral (as Jackson
// reads them in Kestra, so `{{ outputs.x.vars.n + 1 }}` stays an integer) and float64
// otherwise.
func jsonValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil && i >= math.MinInt && i <= math.MaxInt {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = jsonValue(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = jsonValue(e)
		}
		return x
	}
	return v
}
