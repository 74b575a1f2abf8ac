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

func TestExplore(t *testing.T) {
	if os.Getenv("EXPLORE") == "" {
		t.Skip()
	}
	dirs, _ := filepath.Glob("../../testdata/models/*")
	union := map[string]map[string]bool{}
	for _, d := range dirs {
		for _, stage := range []string{"inference_preprocessor.pt", "inference_postprocessor.pt"} {
			m, err := torch.Load(filepath.Join(d, stage), "cpu")
			if err != nil {
				continue
			}
			cont := "preproc_modules"
			if stage == "inference_postprocessor.pt" {
				cont = "postproc_modules"
			}
			sub, _ := m.Submodule(cont)
			ch, _ := sub.Children()
			for _, c := range ch {
				fm, _ := sub.Submodule(c.Name)
				walk(fm, c.Type, union)
			}
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

func walk(m *torch.Module, typ string, union map[string]map[string]bool) {
	ops, _ := m.ClassOps()
	c := shortClass(Demangle(typ))
	if union[c] == nil {
		union[c] = map[string]bool{}
	}
	for _, o := range ops {
		if strings.HasPrefix(o, "aten::") {
			union[c][o] = true
		}
	}
	ch, _ := m.Children()
	for _, k := range ch {
		fm, _ := m.Submodule(k.Name)
		walk(fm, k.Type, union)
	}
}
