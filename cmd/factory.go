package cmd

import (
	"context"
	"os"
	"sync"
	"time"

	"github.com/flowctl/flowctl/report"
	"github.com/flowctl/flowctl/runner/service"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
)

// factory is the command line's composition root (the pattern of gh's cmdutil.Factory):
// built once in newRoot, it gives the commands the streams, the task registry, the state
// and the clock, each made once on first use, and the service they call. Tests of a
// command can give it another registry, state opener or clock.
type factory struct {
	Streams
	// registry is the task types flows are loaded with.
	registry func() tasks.Registry
	// openState opens the state file a --state flag, the environment or the default names
	// (see openState).
	openState func(ctx context.Context, flag string, readOnly bool) (*state.Store, error)
	// scheduleNow is the time `flow apply` and `scheduler tick` take as now: FLOWCTL_NOW
	// when set, else the machine's.
	scheduleNow func() (time.Time, error)
	// interruptible, when set, makes the context of the commands that must end cleanly on
	// an interrupt (see MainInterruptible).
	interruptible func(context.Context) context.Context
}

func newFactory(s Streams) *factory {
	return &factory{
		Streams:  s,
		registry: sync.OnceValue(tasks.Builtin),
		openState: func(ctx context.Context, flag string, readOnly bool) (*state.Store, error) {
			return openState(ctx, s, flag, readOnly)
		},
		scheduleNow: scheduleNow,
	}
}

// service is the service of one command on store. It speaks on the factory's streams: its
// notes and the executions Flow triggers start on stderr, those of schedules on stdout,
// coloured unless noColor (or the stream is no terminal).
func (f *factory) service(store *state.Store, noColor bool) *service.Service {
	return &service.Service{
		Store:    store,
		Registry: f.registry(),
		Notify: &notifier{
			err: f.Err, errPal: report.NewPalette(colorEnabled(f.Err, noColor)),
			out: f.Out, pal: report.NewPalette(colorEnabled(f.Out, noColor)),
		},
		UserAgent: userAgent(),
		// Schedules without a timezone follow the machine's, as for cron.
		Location: time.Local,
	}
}

// nowVar names the environment variable that sets the clock of `flow apply` and `scheduler
// tick` (RFC 3339): to test a schedule's behaviour over days in seconds, as the end-to-end
// tests do. Unset, the clock is the machine's.
const nowVar = "FLOWCTL_NOW"

// scheduleNow is the time `flow apply` and `scheduler tick` take as now.
func scheduleNow() (time.Time, error) {
	v := os.Getenv(nowVar)
	if v == "" {
		return time.Now(), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, usageErrorf("%s=%q is not an RFC 3339 date like 2026-11-26T17:00:00Z", nowVar, v)
	}
	return t, nil
}
