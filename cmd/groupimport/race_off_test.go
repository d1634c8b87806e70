//go:build !race

package main

// raceEnabled: the tests run without the race detector (it needs cgo), and
// so does the binary the process tests build.
const raceEnabled = false
