package native

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

func TestExplore(t *testing.T) {
	if os.Getenv("EXPLORE") == "" {
		t.Skip()
	}
	dirs, _ := filepath.Glob("../../testdata/models/*")
	seen := map[string]bool{}
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
			sub, err := m.Submodule(cont)
			if err != nil {
				t.Fatal(err)
			}
			ch, _ := sub.Children()
			for _, c := range ch {
				fm, _ := sub.Submodule(c.Name)
				walk(fm, filepath.Base(d)+"/"+c.Name, c.Type, seen)
			}
		}
	}
}

func walk(m *torch.Module, name, typ string, seen map[string]bool) {
	ops, err := m.ClassOps()
	fmt.Printf("== %s %s\n", name, typ)
	if err != nil {
		fmt.Println(err)
	}
	key := typ + fmt.Sprint(ops)
	if !seen[key] {
		seen[key] = true
		fmt.Printf("   ops %v\n", ops)
	}
	for _, a := range []string{"str2idx", "unk", "str2bool", "should_lower", "computed_fill_value", "mu", "sigma", "lowercase", "tokenizer_type", "max_sequence_length", "padding_symbol", "vocab_size", "is_bag", "bool2str", "idx2str", "threshold", "outlier_threshold", "split_string", "padding", "padding_value", "max_timeseries_length", "min_value", "range", "q1", "q2", "q3", "interquartile_range", "computed_outlier_fill_value", "unit_to_id", "unknown_symbol", "h3_padding_value", "max_h3_resolution", "training"} {
		v, err := m.Attr(a)
		if err == nil {
			s := fmt.Sprintf("%v", v)
			if len(s) > 80 {
				s = s[:80]
			}
			fmt.Printf("   %s = %T %s\n", a, v, s)
		}
	}
	ch, _ := m.Children()
	for _, c := range ch {
		fm, _ := m.Submodule(c.Name)
		walk(fm, name+"."+c.Name, c.Type, seen)
	}
}
