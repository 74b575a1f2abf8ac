package script

// Operator is one of the engine's operators as another graph runner (the
// model.pt2 runner, core/pt2) calls it: its parameter names in the aten
// schema's order (for matching named arguments) and its function. Missing
// trailing arguments and nil are the schema's defaults.
type Operator struct {
	Params []string
	Fn     func([]Value) (Value, error)
}

// Lookup returns the operator registered as name: an aten operator by its
// bare name ("linear", "sum") or a qualified one ("prim::min").
func Lookup(name string) (Operator, bool) {
	o, ok := ops[name]
	if !ok {
		return Operator{}, false
	}
	return Operator{Params: o.params, Fn: o.fn}, true
}
