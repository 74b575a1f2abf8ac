//go:build li_testhooks

package main

import "os"

// In builds with the li_testhooks tag (tests only, never shipped), the
// export named by $LI_TEST_PANIC panics on purpose, so tests can check that
// a panic is recovered and poisons the library instead of killing the host.
func init() { testPanic = os.Getenv("LI_TEST_PANIC") }
