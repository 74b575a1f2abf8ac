package server

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// latencyBuckets are the histogram's upper bounds in seconds.
var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type routeStats struct {
	counts []uint64 // per bucket (cumulative when written)
	sum    float64
	total  uint64
	rows   uint64
	byCode map[int]uint64
	errors uint64
}

// metrics are the Prometheus counters: requests by route and code, errors,
// a latency histogram per route, and rows scored.
type metrics struct {
	mu     sync.Mutex
	routes map[string]*routeStats
}

func newMetrics() *metrics { return &metrics{routes: map[string]*routeStats{}} }

func (m *metrics) observe(route string, code int, d time.Duration, rows int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.routes[route]
	if st == nil {
		st = &routeStats{counts: make([]uint64, len(latencyBuckets)), byCode: map[int]uint64{}}
		m.routes[route] = st
	}
	sec := d.Seconds()
	for i, b := range latencyBuckets {
		if sec <= b {
			st.counts[i]++
			break
		}
	}
	st.sum += sec
	st.total++
	st.rows += uint64(rows)
	st.byCode[code]++
	if code >= 400 {
		st.errors++
	}
}

// write renders the Prometheus text exposition format (version 0.0.4).
func (m *metrics) write(w *strings.Builder) {
	m.mu.Lock()
	defer m.mu.Unlock()
	routes := make([]string, 0, len(m.routes))
	for r := range m.routes {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	w.WriteString("# HELP ludwig_infer_requests_total HTTP requests by route and status code.\n# TYPE ludwig_infer_requests_total counter\n")
	for _, r := range routes {
		codes := make([]int, 0)
		for c := range m.routes[r].byCode {
			codes = append(codes, c)
		}
		sort.Ints(codes)
		for _, c := range codes {
			fmt.Fprintf(w, "ludwig_infer_requests_total{route=%q,code=\"%d\"} %d\n", r, c, m.routes[r].byCode[c])
		}
	}
	w.WriteString("# HELP ludwig_infer_errors_total HTTP requests answered with a status >= 400.\n# TYPE ludwig_infer_errors_total counter\n")
	for _, r := range routes {
		fmt.Fprintf(w, "ludwig_infer_errors_total{route=%q} %d\n", r, m.routes[r].errors)
	}
	w.WriteString("# HELP ludwig_infer_rows_total Rows scored.\n# TYPE ludwig_infer_rows_total counter\n")
	for _, r := range routes {
		fmt.Fprintf(w, "ludwig_infer_rows_total{route=%q} %d\n", r, m.routes[r].rows)
	}
	w.WriteString("# HELP ludwig_infer_request_duration_seconds Request latency.\n# TYPE ludwig_infer_request_duration_seconds histogram\n")
	for _, r := range routes {
		st := m.routes[r]
		var cum uint64
		for i, b := range latencyBuckets {
			cum += st.counts[i]
			fmt.Fprintf(w, "ludwig_infer_request_duration_seconds_bucket{route=%q,le=\"%g\"} %d\n", r, b, cum)
		}
		fmt.Fprintf(w, "ludwig_infer_request_duration_seconds_bucket{route=%q,le=\"+Inf\"} %d\n", r, st.total)
		fmt.Fprintf(w, "ludwig_infer_request_duration_seconds_sum{route=%q} %g\n", r, st.sum)
		fmt.Fprintf(w, "ludwig_infer_request_duration_seconds_count{route=%q} %d\n", r, st.total)
	}
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	s.metrics.write(&b)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	_, _ = w.Write([]byte(b.String()))
}
