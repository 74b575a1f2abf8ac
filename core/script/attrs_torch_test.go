package script

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// TestAttrsMatchLibtorch: every attribute of every module of every fixture
// archive (or of LI_READER_ARCHIVES', readerArchives) (constants, vocabularies, tensors, flags), read by the Go reader,
// equals what libtorch reports (torch.Module.Attr), and the module trees
// (children, their classes) are the same.
func TestAttrsMatchLibtorch(t *testing.T) {
	if !torch.Available {
		t.Skip(torch.ErrNoTorch)
	}
	files, external := readerArchives(t)
	attrs := 0
	for _, f := range files {
		tr := openTree(t, f)
		m, err := torch.Load(f, "cpu")
		if err != nil {
			t.Logf("%s: %v (skipped)", f, strings.SplitN(err.Error(), "\n", 2)[0])
			continue
		}
		var walk func(m *torch.Module, tr *Tree, path string)
		walk = func(m *torch.Module, tr *Tree, path string) {
			want, err := m.Children()
			if err != nil {
				t.Fatal(err)
			}
			got, _ := tr.Children()
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s: children %v, want %v", f, path, got, want)
				return
			}
			sub := map[string]bool{}
			for _, c := range want {
				sub[c.Name] = true
			}
			for _, k := range tr.obj.Attrs.Keys {
				name := k.(string)
				if sub[name] || name == "training" {
					// training: the shim puts loaded modules in eval mode,
					// whatever the file says (so does the Go engine).
					continue
				}
				w, werr := m.Attr(name)
				g, gerr := tr.Attr(name)
				if werr != nil {
					continue // a value libtorch's conversion does not take (a device)
				}
				if gerr != nil || !reflect.DeepEqual(g, w) {
					t.Errorf("%s %s.%s: got %#v (%v), want %#v", filepath.Base(filepath.Dir(f)), path, name, g, gerr, w)
				}
				attrs++
			}
			for _, c := range want {
				ms, err := m.Submodule(c.Name)
				if err != nil {
					t.Fatal(err)
				}
				ts, err := tr.Submodule(c.Name)
				if err != nil {
					t.Fatal(err)
				}
				walk(ms, ts, path+"."+c.Name)
				ms.Close()
			}
		}
		walk(m, tr, "")
		m.Close()
	}
	// The fixtures hold over a thousand; any set of real exports some.
	if min := map[bool]int{false: 500, true: 1}[external]; attrs < min {
		t.Fatalf("only %d attributes compared", attrs)
	}
	t.Logf("%d attributes compared in %d archives", attrs, len(files))
}
