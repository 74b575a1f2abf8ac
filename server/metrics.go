package server

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// latencyBuckets are the histograms' upper bounds in seconds.
var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// histogram counts durations into latencyBuckets.
type histogram struct {
	counts []uint64 // per bucket (made cumulative when written)
	sum    float64
	total  uint64
}

func (h *histogram) observe(d time.Duration) {
	if h.counts == nil {
		h.counts = make([]uint64, len(latencyBuckets))
	}
	sec := d.Seconds()
	for i, b := range latencyBuckets {
		if sec <= b {
			h.counts[i]++
			break
		}
	}
	h.sum += sec
	h.total++
}

// write renders h as series name with the label set labels (`k="v",...`).
func (h *histogram) write(w *strings.Builder, name, labels string) {
	var cum uint64
	for i, b := range latencyBuckets {
		if h.counts != nil {
			cum += h.counts[i]
		}
		fmt.Fprintf(w, "%s_bucket{%s,le=\"%g\"} %d\n", name, labels, b, cum)
	}
	fmt.Fprintf(w, "%s_bucket{%s,le=\"+Inf\"} %d\n", name, labels, h.total)
	fmt.Fprintf(w, "%s_sum{%s} %g\n", name, labels, h.sum)
	fmt.Fprintf(w, "%s_count{%s} %d\n", name, labels, h.total)
}

// seriesKey is a route and the model it served ("" for routes without one).
type seriesKey struct{ route, model string }

func (k seriesKey) labels() string {
	return fmt.Sprintf("route=%q,model=%q", k.route, k.model)
}

type routeStats struct {
	latency histogram
	rows    uint64
	byCode  map[int]uint64
	errors  uint64
}

// metrics are the Prometheus series: requests by route, model and code,
// errors, a latency histogram per route and model, and rows scored.
type metrics struct {
	mu     sync.Mutex
	routes map[seriesKey]*routeStats
}

func newMetrics() *metrics { return &metrics{routes: map[seriesKey]*routeStats{}} }

func (m *metrics) observe(route, model string, code int, d time.Duration, rows int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := seriesKey{route, model}
	st := m.routes[k]
	if st == nil {
		st = &routeStats{byCode: map[int]uint64{}}
		m.routes[k] = st
	}
	st.latency.observe(d)
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
	keys := make([]seriesKey, 0, len(m.routes))
	for k := range m.routes {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].route != keys[j].route {
			return keys[i].route < keys[j].route
		}
		return keys[i].model < keys[j].model
	})
	w.WriteString("# HELP ludwig_infer_requests_total Requests by route, model and status code.\n# TYPE ludwig_infer_requests_total counter\n")
	for _, k := range keys {
		codes := make([]int, 0)
		for c := range m.routes[k].byCode {
			codes = append(codes, c)
		}
		sort.Ints(codes)
		for _, c := range codes {
			fmt.Fprintf(w, "ludwig_infer_requests_total{%s,code=\"%d\"} %d\n", k.labels(), c, m.routes[k].byCode[c])
		}
	}
	w.WriteString("# HELP ludwig_infer_errors_total Requests answered with a status >= 400.\n# TYPE ludwig_infer_errors_total counter\n")
	for _, k := range keys {
		fmt.Fprintf(w, "ludwig_infer_errors_total{%s} %d\n", k.labels(), m.routes[k].errors)
	}
	w.WriteString("# HELP ludwig_infer_rows_total Rows scored.\n# TYPE ludwig_infer_rows_total counter\n")
	for _, k := range keys {
		fmt.Fprintf(w, "ludwig_infer_rows_total{%s} %d\n", k.labels(), m.routes[k].rows)
	}
	w.WriteString("# HELP ludwig_infer_request_duration_seconds Request latency.\n# TYPE ludwig_infer_request_duration_seconds histogram\n")
	for _, k := range keys {
		m.routes[k].latency.write(w, "ludwig_infer_request_duration_seconds", k.labels())
	}
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	s.metrics.write(&b)
	writeBody(w, http.StatusOK, "text/plain; version=0.0.4", []byte(b.String()))
}
