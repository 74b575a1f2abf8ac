//go:build cgo && !li_notorch

package torch

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// forwardWarn loads testdata/warn.pt (a module whose forward calls
// warnings.warn, libtorch's TORCH_WARN path) and runs it n times.
func forwardWarn(t *testing.T, n int) {
	m, err := Load("testdata/warn.pt", "cpu")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	in, err := m.NewInput()
	if err != nil {
		t.Fatal(err)
	}
	defer in.Free()
	if err := in.PutTensor("x", tensor.FromFloat32([]float32{1}, 1), false); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		out, err := m.Forward(in, "cpu")
		if err != nil {
			t.Fatal(err)
		}
		out.Free()
	}
}

// TestWarningsQueued: a libtorch warning is queued for TakeWarnings, with
// its message, and is not printed on stderr (checked in a child process,
// whose stderr is the test's to read).
func TestWarningsQueued(t *testing.T) {
	if os.Getenv("LI_WARN_CHILD") == "1" {
		forwardWarn(t, 1)
		forwardWarn(t, 1)
		ws := TakeWarnings()
		if len(ws) != 2 || !strings.HasPrefix(ws[0], "ludwig-infer test warning: forward was called") {
			t.Fatalf("TakeWarnings() = %q, want the warning of each call", ws)
		}
		if again := TakeWarnings(); again != nil {
			t.Fatalf("a second TakeWarnings() = %q, want nil", again)
		}
		// The queue keeps 256 between two reads and counts the rest.
		forwardWarn(t, 300)
		ws = TakeWarnings()
		if len(ws) != 257 || ws[256] != "44 more warnings were dropped (more than 256 between two reads)" {
			t.Fatalf("after 300 warnings: %d lines, last %q", len(ws), ws[len(ws)-1])
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestWarningsQueued$", "-test.v")
	cmd.Env = append(os.Environ(), "LI_WARN_CHILD=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s\n%s", err, out, stderr.String())
	}
	if !strings.Contains(string(out), "--- PASS: TestWarningsQueued") {
		t.Fatalf("child did not pass:\n%s", out)
	}
	if stderr.Len() != 0 {
		t.Errorf("libtorch wrote to stderr: %q", stderr.String())
	}
}
