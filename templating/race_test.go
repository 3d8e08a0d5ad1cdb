//go:build race

package templating

// raceEnabled is set under the race detector, which makes sync.Pool drop what it is given:
// code that reuses pooled buffers (regexp's matchers) allocates far more than it does.
const raceEnabled = true
