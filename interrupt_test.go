package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"
)

// Once anything has asked the interruptible context whether it is done, SIGINT and SIGTERM
// cancel it, and a second interrupt does not kill the process.
func TestInterruptibleCatchesSignalsOnceAsked(t *testing.T) {
	ctx := interruptible(context.Background())
	// Ctrl-C must still stop the test binary afterwards.
	defer signal.Reset(os.Interrupt, syscall.SIGTERM)
	if err := ctx.Err(); err != nil {
		t.Fatalf("a new context is done: %v", err)
	}
	for range 2 {
		if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGINT did not cancel the context")
	}
	if !errors.Is(context.Cause(ctx), context.Canceled) {
		t.Errorf("cause %v, want context.Canceled", context.Cause(ctx))
	}
	// A context made from it is cancelled with it, as from any context.
	child, cancel := context.WithCancel(ctx)
	defer cancel()
	if child.Err() == nil {
		t.Error("a context made from the cancelled one is not done")
	}
}
