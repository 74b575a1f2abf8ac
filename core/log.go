package core

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/ludwig-infer/ludwig-infer/core/extension"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// LogLevel orders log messages; values equal li_log_level in the C header.
type LogLevel int

// Log levels.
const (
	LogDebug LogLevel = 0
	LogInfo  LogLevel = 1
	LogWarn  LogLevel = 2
	LogError LogLevel = 3
)

type logSink struct {
	fn  func(LogLevel, string)
	min LogLevel
}

var sink atomic.Pointer[logSink]

// SetLogFunc installs (fn non-nil) or removes (fn nil) the process-wide log
// sink; messages below min are dropped. fn may be called from any goroutine.
// By default nothing is logged.
func SetLogFunc(fn func(LogLevel, string), min LogLevel) {
	if fn == nil {
		sink.Store(nil)
		return
	}
	sink.Store(&logSink{fn: fn, min: min})
}

func logf(level LogLevel, format string, args ...any) {
	s := sink.Load()
	if s == nil || level < s.min {
		return
	}
	s.fn(level, fmt.Sprintf(format, args...))
}

// extensionLog sends core/extension's messages to the log sink.
var extensionLog = extension.Log{
	Info: func(format string, args ...any) { logf(LogInfo, format, args...) },
	Warn: func(format string, args ...any) { logf(LogWarn, format, args...) },
}

// maxWarnings bounds the distinct libtorch warnings one model logs (and
// remembers).
const maxWarnings = 100

// torchWarnings remembers the libtorch warnings a model has logged.
type torchWarnings struct {
	mu   sync.Mutex
	seen map[string]bool
}

// relayWarnings logs, at LogWarn and once per model and message, the
// warnings libtorch issued since the last drain (core/torch keeps them off
// stderr). A warning is attributed to the model whose load or Infer call
// drains it: with several models running at once, one issued by another
// model's call may be logged under this one.
func (m *Model) relayWarnings() {
	ws := torch.TakeWarnings()
	if len(ws) == 0 {
		return
	}
	m.warnings.mu.Lock()
	defer m.warnings.mu.Unlock()
	if m.warnings.seen == nil {
		m.warnings.seen = map[string]bool{}
	}
	for _, w := range ws {
		switch n := len(m.warnings.seen); {
		case m.warnings.seen[w] || n > maxWarnings:
			continue
		case n == maxWarnings:
			logf(LogWarn, "%s: libtorch: more than %d distinct warnings; no more are logged for this model", m.files.Dir, maxWarnings)
		default:
			logf(LogWarn, "%s: libtorch: %s", m.files.Dir, w)
		}
		m.warnings.seen[w] = true
	}
}
