package core

import (
	"fmt"
	"sync/atomic"
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
