//go:build !race

package templating

const raceEnabled = false
