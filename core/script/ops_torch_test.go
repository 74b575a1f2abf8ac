package script

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/ptfile"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// readerArchives lists the archives the reader-vs-libtorch tests compare:
// every fixture's, or, where LI_READER_ARCHIVES is set (conformance/run.sh
// sets it to the real exports of its cases), the files its globs
// (separated by the OS's list separator) match. external says which.
func readerArchives(t *testing.T) (files []string, external bool) {
	t.Helper()
	globs := []string{"../../testdata/models/*/*.pt"}
	if env := os.Getenv("LI_READER_ARCHIVES"); env != "" {
		globs, external = filepath.SplitList(env), true
	}
	for _, g := range globs {
		m, err := filepath.Glob(g)
		if err != nil {
			t.Fatalf("LI_READER_ARCHIVES: %v", err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatalf("no archives match %v", globs)
	}
	return files, external
}

// TestClassOpsMatchLibtorch: for every module of every fixture archive (or
// of LI_READER_ARCHIVES'), the aten operators derived from the printed code
// equal those libtorch's compiled graphs hold (lt_module_class_ops).
func TestClassOpsMatchLibtorch(t *testing.T) {
	if !torch.Available {
		t.Skip(torch.ErrNoTorch)
	}
	files, _ := readerArchives(t)
	classes := 0
	for _, f := range files {
		a, err := ptfile.Open(f, ptfile.DefaultLimits)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		prog, err := ParseSources(a.Sources)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		m, err := torch.Load(f, "cpu")
		if err != nil {
			t.Logf("%s: %v (skipped)", f, strings.SplitN(err.Error(), "\n", 2)[0])
			continue
		}
		var walk func(m *torch.Module, class, path string)
		walk = func(m *torch.Module, class, path string) {
			want, err := m.ClassOps()
			if err != nil {
				t.Fatal(err)
			}
			want = slices.DeleteFunc(want, func(s string) bool { return !strings.HasPrefix(s, "aten::") })
			got, err := prog.ClassOps(class)
			if err != nil {
				t.Errorf("%s %s: %v", f, path, err)
				return
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s %s (%s):\n got  %v\n want %v", filepath.Base(filepath.Dir(f)), path, class, got, want)
			}
			classes++
			kids, err := m.Children()
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range kids {
				sub, err := m.Submodule(k.Name)
				if err != nil {
					t.Fatal(err)
				}
				walk(sub, k.Type, path+"."+k.Name)
				sub.Close()
			}
		}
		walk(m, a.Module.Class, "")
		m.Close()
	}
	if classes == 0 {
		t.Fatal("no module compared")
	}
	t.Logf("%d modules compared in %d archives", classes, len(files))
}
