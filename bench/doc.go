// Package bench holds side-by-side benchmarks of supportkit and its peers.
// It is a module of its own so that the peers never enter supportkit's
// go.mod. See README.md for how to run it and read the results.
package bench
