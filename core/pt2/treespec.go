package pt2

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// A pytree spec as torch's treespec_dumps writes it (protocol 1):
// [1, {"type": "builtins.dict", "context": "[\"a\", \"b\"]",
// "children_spec": [...]}], a leaf having type null. The runner needs the
// leaves' paths: dict keys name Ludwig's features and outputs.

type treeJSON struct {
	Type     *string    `json:"type"`
	Context  *string    `json:"context"`
	Children []treeJSON `json:"children_spec"`
}

// pathKey is one step of a leaf's path: a dict key, or a position.
type pathKey struct {
	name string
	key  bool
}

// maxTreeDepth bounds the nesting of a spec.
const maxTreeDepth = 64

// treeLeaves returns the path of every leaf of the spec, in order.
func treeLeaves(spec string) ([][]pathKey, error) {
	var top []json.RawMessage
	if err := json.Unmarshal([]byte(spec), &top); err != nil || len(top) != 2 {
		return nil, fmt.Errorf("not a [protocol, spec] pair")
	}
	var proto int
	if err := json.Unmarshal(top[0], &proto); err != nil || proto != 1 {
		return nil, fmt.Errorf("treespec protocol %s is not supported (1 is)", truncate(string(top[0]), 10))
	}
	var root treeJSON
	if err := json.Unmarshal(top[1], &root); err != nil {
		return nil, err
	}
	var out [][]pathKey
	var walk func(t *treeJSON, path []pathKey) error
	walk = func(t *treeJSON, path []pathKey) error {
		if len(path) > maxTreeDepth {
			return fmt.Errorf("nested deeper than %d", maxTreeDepth)
		}
		if t.Type == nil {
			out = append(out, append([]pathKey(nil), path...))
			return nil
		}
		var keys []string
		switch *t.Type {
		case "builtins.dict", "collections.OrderedDict":
			if t.Context == nil {
				return fmt.Errorf("a dict without keys")
			}
			var ks []any
			if err := json.Unmarshal([]byte(*t.Context), &ks); err != nil || len(ks) != len(t.Children) {
				return fmt.Errorf("a dict's keys %q do not fit its %d children", truncate(*t.Context, 60), len(t.Children))
			}
			for _, k := range ks {
				switch x := k.(type) {
				case string:
					keys = append(keys, x)
				case float64:
					keys = append(keys, strconv.FormatFloat(x, 'f', -1, 64))
				default:
					return fmt.Errorf("a dict key of type %T", k)
				}
			}
		case "builtins.tuple", "builtins.list":
		default:
			return fmt.Errorf("a container of type %s is not supported (dict, tuple and list are)", truncate(*t.Type, 60))
		}
		for i := range t.Children {
			k := pathKey{name: strconv.Itoa(i)}
			if keys != nil {
				k = pathKey{name: keys[i], key: true}
			}
			if err := walk(&t.Children[i], append(path, k)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(&root, nil); err != nil {
		return nil, err
	}
	return out, nil
}
