package native

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/torch"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

// TestPrintOps prints, with LI_PRINT_OPS=1, the aten operations each
// scripted class of the test exports uses, in ops.go's form: how knownOps
// was made (regenerate it after adding a class or a variant to
// testdata/gen/ludwig):
//
//	LI_PRINT_OPS=1 go test ./core/native -run TestPrintOps -v
func TestPrintOps(t *testing.T) {
	if os.Getenv("LI_PRINT_OPS") == "" {
		t.Skip("set LI_PRINT_OPS=1")
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
	for _, name := range golden.Names() {
		for _, stage := range []string{"inference_preprocessor.pt", "inference_postprocessor.pt"} {
			m, err := torch.Load(filepath.Join(golden.ModelDir(name), stage), "cpu")
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
