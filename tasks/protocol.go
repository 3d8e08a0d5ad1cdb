package tasks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/flowctl/flowctl/internal/units"
	"github.com/flowctl/flowctl/templating"
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
	// piece, when set, receives the pieces of a line cut at maxLine instead of emit: every
	// piece but the last, which ends the line and goes to emit. A reader that must tell a
	// line from a piece of one (the output protocol) sets it.
	piece func(string)
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
		if len(w.buf) == 0 && i <= maxLine {
			// A whole line in p (the usual case): straight from it, copied once.
			w.emit(string(bytes.TrimSuffix(p[:i], []byte("\r"))))
			p = p[i+1:]
			continue
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
		w.emitPiece(string(w.buf[:cut]))
		w.buf = append(w.buf[:0], w.buf[cut:]...)
	}
}

// emitPiece hands a piece of a cut line to piece, or to emit when piece is not set.
func (w *lineWriter) emitPiece(s string) {
	if w.piece != nil {
		w.piece(s)
		return
	}
	w.emit(s)
}

// flush emits a last line that had no newline.
func (w *lineWriter) flush() {
	if len(w.buf) > 0 {
		w.emit(string(bytes.TrimSuffix(w.buf, []byte("\r"))))
		w.buf = w.buf[:0]
	}
}

// protocolStart is how every protocol line starts: a line cut at maxLine that starts so was
// meant as one.
const protocolStart = "::{"

// protocolJSON returns the JSON of a protocol line, Kestra's output protocol: a line
// ::{json}:: carries outputs, metrics and log entries instead of being logged. (A regular
// expression would say the same, at a tenth of a second per MiB.)
func protocolJSON(line string) (string, bool) {
	if !strings.HasPrefix(line, protocolStart) || !strings.HasSuffix(line, "}::") {
		return "", false
	}
	return line[2 : len(line)-2], true
}

// maxOutputs bounds what the protocol lines of one task run keep: the memory its outputs
// take (the values it holds at the end, keys included: see memSize) and its metrics, all
// together. Each line is bounded by maxLine, so each output is too. Outputs are held in
// memory (the engine's copy, a masked copy when a secret is in them), written into the
// execution document and the state, and read by every later template: 8 MiB of them keep a
// run within 64 MiB. Large data belongs in a file (outputFiles).
const maxOutputs = 8 << 20

// maxOutput is the most a single output value made from user text may hold (a Return's
// value), as a protocol line does.
const maxOutput = maxLine

// outputsHint tells where large data goes instead.
const outputsHint = "write large data to a file and list it in outputFiles"

// scriptLog receives the lines of a script's stdout and stderr, from the one goroutine that
// reads both (outputReader), in the order they were read.
type scriptLog struct {
	log         *Logger
	stderrLines int
	// firstStderr is the first stderr line, masked and cut: what a WARNING names as its cause.
	firstStderr string
	vars        map[string]any
	metrics     []Metric
	// sizes are the memory sizes of the outputs held (key and value); kept is their sum plus
	// the metrics' sizes, checked against maxOutputs.
	sizes map[string]int
	kept  int
	// err is the first protocol line that could not be applied for being too large: the
	// task fails with it, and later protocol lines are dropped.
	err error
	// cut is set, per stream (stdout, stderr), while a line cut at maxLine goes on: its
	// pieces are not lines. dropping is set while that line is a protocol line.
	cut, dropping [2]bool
	// hook, when set, is offered each line to log first (a CLI task's own log format).
	hook func(stderr bool, text string) bool
}

// newScriptLog returns a scriptLog logging to l, with no outputs yet.
func newScriptLog(l *Logger) *scriptLog {
	return &scriptLog{log: l, vars: map[string]any{}, sizes: map[string]int{}}
}

// writers returns the writers of the script's stdout and stderr.
func (s *scriptLog) writers() (stdout, stderr *lineWriter) {
	mask := s.log.masking()
	return &lineWriter{emit: func(t string) { s.line(false, t) }, piece: func(t string) { s.piece(false, t) }, mask: mask},
		&lineWriter{emit: func(t string) { s.line(true, t) }, piece: func(t string) { s.piece(true, t) }, mask: mask}
}

// line takes one output line: it logs it (stdout at INFO, stderr at ERROR), or applies it
// when it is a protocol line. The last piece of a cut line ends up here too: it is logged.
func (s *scriptLog) line(stderr bool, text string) {
	i := stream(stderr)
	if s.cut[i] {
		s.cut[i] = false
		if s.dropping[i] {
			s.dropping[i] = false
			return
		}
		s.logLine(stderr, text)
		return
	}
	if js, ok := protocolJSON(text); ok {
		if s.err == nil {
			s.protocol(text, js)
		}
		return
	}
	s.logLine(stderr, text)
}

// piece takes a piece of a line longer than maxLine, all but the last. Such a line is logged
// in pieces, unless it is a protocol line: that is over the size a protocol line may have.
func (s *scriptLog) piece(stderr bool, text string) {
	i := stream(stderr)
	if !s.cut[i] {
		s.cut[i] = true
		if strings.HasPrefix(text, protocolStart) {
			s.dropping[i] = true
			s.fail(fmt.Errorf("outputs: a ::{...}:: line is over %s, the most one may hold; %s", units.Bytes(maxLine), outputsHint))
		}
	}
	if !s.dropping[i] {
		s.logLine(stderr, text)
	}
}

// stream indexes the per-stream state of scriptLog.
func stream(stderr bool) int {
	if stderr {
		return 1
	}
	return 0
}

// logLine logs one line of output, or piece of one.
func (s *scriptLog) logLine(stderr bool, text string) {
	if s.hook != nil && s.hook(stderr, text) {
		return
	}
	if stderr {
		s.stderrLines++
		if s.stderrLines == 1 {
			s.firstStderr = warnQuote(s.log.masking(), text)
		}
		s.log.Log(LevelError, text)
		return
	}
	s.log.Log(LevelInfo, text)
}

// warnQuoteLen bounds the stderr line a WARNING quotes.
const warnQuoteLen = 200

// warnQuote masks text, then cuts it: cut first, a secret split at the cut would not be
// recognised.
func warnQuote(m Masking, text string) string {
	if m != nil {
		text = m.String(text)
	}
	return CutRunes(text, warnQuoteLen)
}

// fail records the first reason the task fails for (the runner logs the task's error).
func (s *scriptLog) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// protocolMessage is the JSON of a protocol line. Outputs stay raw until their size is
// checked.
type protocolMessage struct {
	Outputs map[string]json.RawMessage `json:"outputs"`
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
	values := make(map[string]any, len(msg.Outputs))
	for k, raw := range msg.Outputs {
		if err != nil {
			break
		}
		values[k], err = decodeValue(raw)
	}
	if err != nil {
		s.log.Log(LevelWarn, fmt.Sprintf("Invalid outputs '%s'", line))
		return
	}
	kept := s.kept
	sizes := make(map[string]int, len(values))
	for k, v := range values {
		sizes[k] = len(k) + memSize(v)
		kept += sizes[k] - s.sizes[k]
	}
	for _, m := range metrics {
		kept += metricSize(m)
	}
	if kept > maxOutputs {
		s.fail(fmt.Errorf("outputs: the outputs and metrics of this task run are over %s in all, the most they may hold; %s", units.Bytes(maxOutputs), outputsHint))
		return
	}
	s.kept = kept
	for k, v := range values {
		s.vars[k] = v
		s.sizes[k] = sizes[k]
	}
	s.metrics = append(s.metrics, metrics...)
	for i, l := range msg.Logs {
		s.log.Log(levels[i], l.Message)
	}
}

// decodeValue decodes one output value: objects as templating.Maps in the order of the
// script's JSON (Kestra reads them into LinkedHashMaps), numbers as jsonNumber makes them.
func decodeValue(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return templating.DecodeJSON(dec, jsonNumber)
}

// memSize is about what a decoded output value takes in memory: its text plus a word pair
// per value, so that a list of a million zeros counts for what it costs (16 MB), not for its
// 2 MB of JSON.
func memSize(v any) int {
	switch x := v.(type) {
	case string:
		return 16 + len(x)
	case map[string]any:
		n := 48
		for k, e := range x {
			n += 16 + len(k) + memSize(e)
		}
		return n
	case *templating.Map:
		n := 48
		for _, k := range x.Keys() {
			e, _ := x.Get(k)
			n += 16 + len(k) + memSize(e)
		}
		return n
	case []any:
		n := 24
		for _, e := range x {
			n += memSize(e)
		}
		return n
	}
	return 16
}

// metricSize is about what a metric's JSON takes, for maxOutputs.
func metricSize(m Metric) int {
	n := len(`{"name":"","type":"","value":}`) + len(m.Name) + len(m.Type) + 24
	for k, v := range m.Tags {
		n += len(k) + len(v) + len(`"":"",`)
	}
	return n
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

// jsonNumber reads a JSON number as int when integral (as Jackson reads it in Kestra, so
// `{{ outputs.x.vars.n + 1 }}` stays an integer) and float64 otherwise.
func jsonNumber(x json.Number) any {
	if i, err := x.Int64(); err == nil && i >= math.MinInt && i <= math.MaxInt {
		return int(i)
	}
	f, _ := x.Float64()
	return f
}
