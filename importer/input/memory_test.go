package input

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// hostileEnv names the file the child process of TestMemoryOnHostileInput
// reads.
const hostileEnv = "GROUPIMPORT_TEST_HOSTILE_FILE"

// TestMemoryOnHostileInput reads, in a process of its own, a file with a
// 100 MB cell, a quote left open over 20 MB of lines and a 200 MB tail of
// NUL bytes, and checks the rows around them and the process's peak
// resident memory: under 100 MB.
//
// The peak is the child's VmHWM, which Linux keeps per address space. The
// child's rusage would not do: Go starts a child with vfork, and exec
// records the parent's high-water mark as the child's.
func TestMemoryOnHostileInput(t *testing.T) {
	if path := os.Getenv(hostileEnv); path != "" {
		readHostile(t, path)
		return
	}
	if runtime.GOOS != "linux" {
		t.Skip("reads the peak resident memory from /proc/self/status, which only Linux has")
	}
	path := filepath.Join(t.TempDir(), "hostile.csv")
	const quoted = 20 << 20 / len("x,1\n")
	writeHostile(t, path, quoted)

	cmd := exec.Command(os.Args[0], "-test.run=^TestMemoryOnHostileInput$", "-test.count=1")
	cmd.Env = append(os.Environ(), hostileEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s%s", err, out, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var got []string
	var hwm int
	for _, l := range lines {
		if kb, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			hwm, _ = strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kb), "kB")))
			continue
		}
		if strings.HasPrefix(l, "ROW ") {
			got = append(got, strings.TrimPrefix(l, "ROW "))
		}
	}
	after := 5 + quoted + 2 // the line after the one that ends the quote
	want := []string{
		"2: a|Alpha|1",
		"3! line 3 is 100,000,004 bytes long, over the 1 MiB a row may hold",
		"4: c|Gamma|3",
		"5! a quoted cell opened on line 5 is not closed within the 1 MiB a row may hold: lines 5 to " + strconv.Itoa(after-1),
		strconv.Itoa(after) + ": f|Phi|6",
		strconv.Itoa(after+1) + "! line " + strconv.Itoa(after+1) + " is 200,000,000 bytes long, over the 1 MiB a row may hold, and holds NUL bytes",
	}
	if len(got) != len(want) {
		t.Fatalf("the child read %d rows, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("row listing %d:\n got %q\nwant it to start %q", i, got[i], want[i])
		}
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		t.Logf("child: VmHWM %d kB; rusage maxrss %d kB (the test process's peak included)", hwm, ru.Maxrss)
	}
	if hwm == 0 {
		t.Fatalf("the child did not report its peak memory:\n%s", out)
	}
	if hwm > 100<<10 {
		t.Errorf("reading the file took %d MB of memory at its peak, want under 100 MB", hwm>>10)
	}
}

// writeHostile writes the file TestMemoryOnHostileInput reads, streaming:
// the test process stays small.
func writeHostile(t *testing.T, path string, quoted int) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	repeat := func(s string, n int) {
		block := strings.Repeat(s, (64<<10)/len(s))
		for ; n >= (64<<10)/len(s); n -= (64 << 10) / len(s) {
			w.WriteString(block)
		}
		w.WriteString(strings.Repeat(s, n))
	}
	w.WriteString("externalId,groupName,maxGroupSize\na,Alpha,1\nb,")
	repeat("x", 100_000_000)
	w.WriteString(",2\nc,Gamma,3\n\"open,Beta,4\n")
	repeat("x,1\n", quoted)
	w.WriteString("e,\"bad\"x,5\nf,Phi,6\n")
	repeat("\x00", 200_000_000)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// readHostile is the child: it reads every row of path as a run does and
// prints them, shortened, and its peak resident memory.
func readHostile(t *testing.T, path string) {
	f := open(t, path, Options{})
	for _, r := range rows(t, f.Records) {
		fmt.Printf("ROW %.200s\n", r)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.SplitSeq(string(status), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			fmt.Println(l)
		}
	}
}
