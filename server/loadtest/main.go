// Command loadtest measures a running `ludwig-infer serve` on loopback:
// requests/s and p50/p99 latency of 1-row POST /predict at several
// concurrency levels, each bounded in requests and time.
//
//	go run ./server/loadtest -url http://127.0.0.1:8000 -conns 1,8,64 -requests 2000 -max 20s
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8000", "server base URL (loopback)")
	path := flag.String("path", "/predict", "endpoint")
	body := flag.String("body", `{"Age": 34, "city": "Paris", "member": true, "cell": 617703466028236799}`, "JSON body")
	conns := flag.String("conns", "1,8,64", "comma-separated concurrency levels")
	requests := flag.Int("requests", 2000, "requests per level (upper bound)")
	maxDur := flag.Duration("max", 20*time.Second, "time per level (upper bound)")
	flag.Parse()
	if !strings.HasPrefix(*url, "http://127.0.0.1") && !strings.HasPrefix(*url, "http://localhost") {
		fmt.Fprintln(os.Stderr, "loadtest: loopback URLs only")
		os.Exit(2)
	}
	fmt.Printf("| connections | requests | errors | requests/s | p50 ms | p99 ms |\n|---|---|---|---|---|---|\n")
	for _, s := range strings.Split(*conns, ",") {
		c, err := strconv.Atoi(s)
		if err != nil || c < 1 {
			fmt.Fprintf(os.Stderr, "loadtest: bad concurrency %q\n", s)
			os.Exit(2)
		}
		run(*url+*path, []byte(*body), c, *requests, *maxDur)
	}
}

func run(url string, body []byte, conns, total int, maxDur time.Duration) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
	var mu sync.Mutex
	var lat []time.Duration
	errors := 0
	next := make(chan struct{}, total)
	for i := 0; i < total; i++ {
		next <- struct{}{}
	}
	close(next)
	deadline := time.Now().Add(maxDur)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				if time.Now().After(deadline) {
					return
				}
				t0 := time.Now()
				resp, err := client.Post(url, "application/json", bytes.NewReader(body))
				ok := err == nil
				if ok {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					ok = resp.StatusCode == 200
				}
				d := time.Since(t0)
				mu.Lock()
				if ok {
					lat = append(lat, d)
				} else {
					errors++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	fmt.Printf("| %d | %d | %d | %.0f | %.2f | %.2f |\n", conns, len(lat), errors, float64(len(lat))/elapsed.Seconds(), pct(0.5), pct(0.99))
}
