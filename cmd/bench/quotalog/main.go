// Command quotalog is a sandbox with a quota counted per fixed window, and
// optionally spent when it starts, that records the time and status of
// every answer; on Ctrl-C it prints the requests, the 429s per window, when
// the first create was accepted and the creates per 10 s. BENCHMARKS.md
// uses it for the 429 bursts of many workers and for a spent quota:
//
//	go run ./cmd/bench/quotalog -addr 127.0.0.1:8080 -quota 1000 -window 1m -spent 60s
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// rec is one answer: when, its status, and whether it was a create.
type rec struct {
	at     time.Duration
	status int
	post   bool
}

// sw notes the status a handler writes.
type sw struct {
	http.ResponseWriter
	status int
}

func (w *sw) WriteHeader(s int) { w.status = s; w.ResponseWriter.WriteHeader(s) }

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen `ADDRESS`")
	quota := flag.Int("quota", 1000, "requests per minute")
	window := flag.Duration("window", time.Minute, "the quota's window")
	spent := flag.Duration("spent", 0, "the quota is spent for this long after the start")
	flag.Parse()
	start := time.Now()
	api := sandbox.New(sandbox.Config{RatePerMinute: *quota, QuotaWindow: *window, QuotaSpentFor: *spent})
	var mu sync.Mutex
	var recs []rec
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := &sw{ResponseWriter: w, status: 200}
		api.ServeHTTP(s, r)
		mu.Lock()
		recs = append(recs, rec{time.Since(start), s.status, r.Method == http.MethodPost})
		mu.Unlock()
	})
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 30 * time.Second}
	go srv.ListenAndServe()
	fmt.Fprintf(os.Stderr, "quotalog: sandbox on http://%s, %d/min per %v window, spent for %v; Ctrl-C prints the counts\n", *addr, *quota, *window, *spent)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	srv.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(recs) == 0 {
		fmt.Println("no requests")
		return
	}
	win := map[int]int{}
	created := map[int]int{}
	total, t429 := 0, 0
	var firstOK time.Duration = -1
	for _, r := range recs {
		total++
		w := int(r.at / *window)
		if r.status == 429 {
			t429++
			win[w]++
		} else if r.post {
			created[int(r.at/(10*time.Second))]++
			if firstOK < 0 {
				firstOK = r.at
			}
		}
	}
	fmt.Printf("requests %d, 429s %d\n", total, t429)
	for w := 0; w <= int(recs[len(recs)-1].at / *window); w++ {
		fmt.Printf("window %d (%v-%v): 429s %d\n", w, time.Duration(w)**window, time.Duration(w+1)**window, win[w])
	}
	fmt.Printf("first create accepted at %.1fs (quota spent until %v)\n", firstOK.Seconds(), *spent)
	fmt.Print("creates per 10 s:")
	for i := 0; i <= int(recs[len(recs)-1].at/(10*time.Second)); i++ {
		fmt.Printf(" %d", created[i])
	}
	fmt.Println()
}
