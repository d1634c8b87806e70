// Command goclient is the baseline the benchmark compares groupimport with:
// the least a Go program does to load a CSV of groups into the API. It
// streams the file with encoding/csv, posts one JSON body per row from 32
// goroutines over net/http and writes one CSV line per answer, in the
// order the answers arrive. It validates nothing and does not retry.
package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"runtime/pprof"
	"strconv"
	"sync"
)

type group struct {
	ExternalID   string `json:"externalId"`
	GroupName    string `json:"groupName,omitempty"`
	MaxGroupSize int64  `json:"maxGroupSize"`
}

func main() {
	url := flag.String("url", "http://127.0.0.1:8080/v2/userGroup2", "endpoint")
	auth := flag.String("auth", "", "Authorization header")
	out := flag.String("out", "goclient.results.csv", "results file")
	workers := flag.Int("workers", 32, "concurrent requests")
	profile := flag.String("cpuprofile", "", "write a CPU profile to `file`")
	flag.Parse()
	if *profile != "" {
		pf, err := os.Create(*profile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(pf)
		defer pprof.StopCPUProfile()
	}
	in, err := os.Open(flag.Arg(0))
	if err != nil {
		log.Fatal(err)
	}
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *workers}}
	rows := make(chan []string, *workers)
	lines := make(chan []string, *workers)
	var wg sync.WaitGroup
	for range *workers {
		wg.Go(func() {
			for rec := range rows {
				size, _ := strconv.ParseInt(rec[2], 10, 64)
				body, _ := json.Marshal(group{rec[0], rec[1], size})
				req, _ := http.NewRequest(http.MethodPost, *url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", *auth)
				status, answer := "error", ""
				if resp, err := client.Do(req); err == nil {
					var b struct {
						Entity int64 `json:"entity"`
					}
					json.NewDecoder(resp.Body).Decode(&b)
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status, answer = strconv.Itoa(resp.StatusCode), strconv.FormatInt(b.Entity, 10)
				}
				lines <- []string{rec[0], status, answer}
			}
		})
	}
	done := make(chan struct{})
	go func() {
		w := csv.NewWriter(f)
		for l := range lines {
			w.Write(l)
		}
		w.Flush()
		close(done)
	}()
	r := csv.NewReader(in)
	r.Read() // header
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		} else if err != nil {
			log.Fatal(err)
		}
		rows <- rec
	}
	close(rows)
	wg.Wait()
	close(lines)
	<-done
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
