//go:build !linux

package tasks

import "errors"

// newWaiter has no better waiter than poll(2) to offer here.
func newWaiter([3]int) (waiter, error) { return nil, errors.ErrUnsupported }
