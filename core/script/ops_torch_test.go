package script

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/ptfile"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// TestClassOpsMatchLibtorch: for every module of every fixture archive, the
// aten operators derived from the printed code equal those libtorch's
// compiled graphs hold (lt_module_class_ops).
func TestClassOpsMatchLibtorch(t *testing.T) {
	if !torch.Available {
		t.Skip(torch.ErrNoTorch)
	}
	files, _ := filepath.Glob("../../testdata/models/*/*.pt")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
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
	t.Logf("%d modules compared", classes)
}
