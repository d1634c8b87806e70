package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// benchRows is the size of the file one iteration of the import benchmarks
// reads.
const benchRows = 20000

// writeBenchFile writes a CSV of n unique groups, the shape the bench
// harness generates.
func writeBenchFile(b *testing.B, n int) string {
	b.Helper()
	p := filepath.Join(b.TempDir(), "groups.csv")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "externalId,groupName,maxGroupSize")
	for i := range n {
		fmt.Fprintf(w, "g%07d,Fleet %d,%d\n", i, i, 100+i%900)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkImport is the whole command, as "groupimport import --rate
// unlimited --workers 32 --no-progress" runs it, against a fresh
// in-process sandbox per iteration: reading, validation, requests, ordering
// and the results file. Profile it with -cpuprofile; set
// GROUPIMPORT_BENCH_HOST to a sandbox started apart ("groupimport sandbox")
// to keep the server out of the profile (its groups then accumulate, so
// restart it between runs).
func BenchmarkImport(b *testing.B) {
	in := writeBenchFile(b, benchRows)
	out := filepath.Join(b.TempDir(), "results.csv")
	env := map[string]string{"CAP_TILL": sandbox.DefaultTill, "CAP_PASSWORD": sandbox.DefaultTillPassword}
	external := os.Getenv("GROUPIMPORT_BENCH_HOST")
	var busy time.Duration
	for i := 0; b.Loop(); i++ {
		host := external
		if host == "" {
			b.StopTimer()
			srv := sandbox.NewServer(sandbox.Config{})
			defer srv.Close()
			host = srv.URL
			b.StartTimer()
		}
		args := []string{"import", "--host", host, "--rate", "unlimited", "--workers", "32", "--no-progress", "--overwrite", "--out", out, in}
		if external != "" {
			// Ids must be new to a server that keeps running.
			args = append(args[:len(args)-1], writeBenchFileOffset(b, benchRows, i))
		}
		start := time.Now()
		e := &Env{Stdin: nil, Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return env[k] }}
		if code := Main(context.Background(), args, e); code != exitOK {
			b.Fatalf("exit %d", code)
		}
		busy += time.Since(start)
	}
	b.ReportMetric(float64(benchRows*b.N)/busy.Seconds(), "rows/s")
}

// writeBenchFileOffset is writeBenchFile with ids that differ per iteration.
func writeBenchFileOffset(b *testing.B, n, iter int) string {
	b.Helper()
	b.StopTimer()
	defer b.StartTimer()
	p := filepath.Join(b.TempDir(), fmt.Sprintf("groups-%d.csv", iter))
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "externalId,groupName,maxGroupSize")
	for i := range n {
		fmt.Fprintf(w, "b%d-%07d,Fleet %d,%d\n", iter, i, i, 100+i%900)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkValidate is "groupimport validate --no-progress": reading,
// checks, duplicate detection and the results file, nothing sent. One op
// is one row.
func BenchmarkValidate(b *testing.B) {
	in := writeBenchFile(b, max(b.N, 1))
	out := filepath.Join(b.TempDir(), "validation.csv")
	e := &Env{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	b.ResetTimer()
	if code := Main(context.Background(), []string{"validate", "--no-progress", "--overwrite", "--out", out, in}, e); code != exitOK {
		b.Fatalf("exit %d", code)
	}
}
