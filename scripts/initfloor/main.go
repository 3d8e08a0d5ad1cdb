// Command initfloor links every package flowctl links and does nothing: its start-up is the
// floor under flowctl's own (the Go runtime starting a binary of that size, and every
// package's initialisation, dependencies' included). scripts/bench.py measures it beside
// flowctl and an empty Go program.
package main

import (
	_ "time/tzdata"

	_ "github.com/flowctl/flowctl/cmd"
)

func main() {}
