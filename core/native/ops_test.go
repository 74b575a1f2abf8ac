package native

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// TestPrintOps prints, in ops.go's form, the aten operations each scripted
// class uses in the real Ludwig exports under the folder LI_PRINT_OPS names
// (any folder holding export directories, e.g. the conformance suite's
// conformance/work/cases after a run): how knownOps is made. It must never be
// pointed at testdata/models, whose modules are our own stand-ins:
//
//	LI_PRINT_OPS=$PWD/conformance/work go test ./core/native -run TestPrintOps -v
func TestPrintOps(t *testing.T) {
	root := os.Getenv("LI_PRINT_OPS")
	if root == "" {
		t.Skip("set LI_PRINT_OPS to a folder of real Ludwig exports")
	}
	var dirs []string
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "inference_preprocessor.pt" {
			dirs = append(dirs, filepath.Dir(p))
		}
		return nil
	})
	if len(dirs) == 0 {
		t.Fatalf("no export under %s", root)
	}
	union := map[string]map[string]bool{}
	var walk func(m *torch.Module, typ string)
	walk = func(m *torch.Module, typ string) {
		defer m.Close()
		c := shortClass(Demangle(typ))
		if union[c] == nil {
			union[c] = map[string]bool{}
		}
		ops, err := m.ClassOps()
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range ops {
			if strings.HasPrefix(o, "aten::") {
				union[c][o] = true
			}
		}
		kids, _ := m.Children()
		for _, k := range kids {
			if sub, err := m.Submodule(k.Name); err == nil {
				walk(sub, k.Type)
			}
		}
	}
	for _, dir := range dirs {
		for _, stage := range []string{"inference_preprocessor.pt", "inference_postprocessor.pt"} {
			m, err := torch.Load(filepath.Join(dir, stage), "cpu")
			if err != nil {
				continue
			}
			dict := "preproc_modules"
			if strings.Contains(stage, "post") {
				dict = "postproc_modules"
			}
			if d, err := m.Submodule(dict); err == nil {
				kids, _ := d.Children()
				for _, k := range kids {
					if sub, err := d.Submodule(k.Name); err == nil {
						walk(sub, k.Type)
					}
				}
				d.Close()
			}
			m.Close()
		}
	}
	var classes []string
	for c := range union {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	for _, c := range classes {
		var ops []string
		for o := range union[c] {
			ops = append(ops, fmt.Sprintf("%q", o))
		}
		sort.Strings(ops)
		fmt.Printf("\t%q: set(%s),\n", c, strings.Join(ops, ", "))
	}
}
