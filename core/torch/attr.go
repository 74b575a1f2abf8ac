package torch

import "sort"

// StringsOf turns an attribute value into an ordered list of strings: a
// List[str] as is, a Dict[int, str] ordered by key (Ludwig's idx2str and
// bool2str attributes). ok is false for anything else (None included).
func StringsOf(v any) (out []string, ok bool) {
	switch x := v.(type) {
	case []string:
		return x, true
	case map[int64]any:
		keys := make([]int64, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		for _, k := range keys {
			s, isStr := x[k].(string)
			if !isStr {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}
