package runner

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/tasks"
)

// logFile keeps the log lines of one attempt of a task with logToFile, as Kestra writes them
// to a file it then stores (RunContextLogger's FileAppender): one line per message, with the
// time (logback's ISO8601: 2006-01-02 15:04:05,000, UTC) and the level. The lines are logged
// as usual too: on one machine the terminal and `executions logs` are where people look.
type logFile struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	masker *Masker
	now    func() string
}

// newLogFile returns the log file of an attempt of spec; nil when it has no logToFile.
func newLogFile(spec *flow.TaskSpec, masker *Masker, now func() time.Time) *logFile {
	if !spec.LogToFile {
		return nil
	}
	return &logFile{masker: masker, now: func() string { return now().UTC().Format("2006-01-02 15:04:05,000") }}
}

// tee returns log, which also writes each line to the file.
func (f *logFile) tee(log func(tasks.Level, string)) func(tasks.Level, string) {
	if f == nil {
		return log
	}
	return func(l tasks.Level, msg string) {
		log(l, msg)
		f.mu.Lock()
		defer f.mu.Unlock()
		fmt.Fprintf(&f.buf, "%s %-5s %s\n", f.now(), l, f.masker.String(msg))
	}
}

// storeLogFile stores the attempt's lines in the task run's storage, as log-<5 letters>.txt
// as Kestra names it, and records its URI on the attempt. A file that cannot be stored is a
// warning: the lines were logged all the same.
func (e *engine) storeLogFile(spec *flow.TaskSpec, tr *TaskRun, a *Attempt, f *logFile) {
	if f == nil {
		return
	}
	f.mu.Lock()
	data := bytes.Clone(f.buf.Bytes())
	f.mu.Unlock()
	name := "log-" + strings.ToLower(rand.Text()[:5]) + ".txt"
	uri, err := e.files.Task(spec.ID, tr.ID).Put(name, bytes.NewReader(data))
	if err != nil {
		e.log(tr, tasks.LevelWarn, fmt.Sprintf("logToFile: the log file was not stored: %v", err))
		return
	}
	e.mu.Lock()
	a.LogFile = uri
	e.changed()
	e.mu.Unlock()
}
