//go:build race

package main

// raceEnabled: the tests run under the race detector, and so does the
// binary the process tests build.
const raceEnabled = true
