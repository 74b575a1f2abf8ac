package ptfile

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// The pickle reader. TorchScript writes data.pkl and constants.pkl with
// pickle protocol 2 and a closed set of globals; this reader implements the
// opcodes protocols 2-4 use for such data (no text-protocol opcodes, no
// INST/OBJ, no extension registry) and resolves globals through a
// whitelist: anything else is an error naming the global, never a lookup.
//
// Why our own reader rather than github.com/nlpodyssey/gopickle v0.2.0:
// gopickle resolves globals through a caller-supplied FindClass and builds
// its own Python-object model (types.Dict, types.List, ...) that we would
// walk and re-type anyway; its unpickler grows the stack and memo as the
// input says, with no bound on the size or count of what a hostile archive
// asks for, and it has panicked on malformed input in the past. The subset
// TorchScript needs is ~35 opcodes (~300 lines): small enough to own, fuzz
// (FuzzPickle) and bound (Limits), and it returns the Go types the engine
// uses directly.

// Tuple is a pickled tuple.
type Tuple []any

// List is a pickled list (a pointer: the memo may share it).
type List struct{ Items []any }

// Dict is a pickled dict or OrderedDict, in insertion order. Keys are
// strings, int64s, float64s or bools. Small dicts are searched in order;
// an index is built from smallDict entries on.
type Dict struct {
	Keys, Values []any
	index        map[any]int
}

const smallDict = 8

func (d *Dict) find(key any) (int, bool) {
	if d == nil {
		return 0, false
	}
	if d.index != nil {
		i, ok := d.index[key]
		return i, ok
	}
	for i, k := range d.Keys {
		if k == key {
			return i, true
		}
	}
	return 0, false
}

// Get returns the value under key.
func (d *Dict) Get(key any) (any, bool) {
	i, ok := d.find(key)
	if !ok {
		return nil, false
	}
	return d.Values[i], true
}

// Set inserts or replaces key's value, keeping the first insertion's place.
func (d *Dict) Set(key, value any) error {
	switch key.(type) {
	case string, int64, float64, bool:
	default:
		return fmt.Errorf("unhashable dict key %s", typeName(key))
	}
	if i, ok := d.find(key); ok {
		d.Values[i] = value
		return nil
	}
	if d.index != nil {
		d.index[key] = len(d.Keys)
	}
	d.Keys = append(d.Keys, key)
	d.Values = append(d.Values, value)
	if d.index == nil && len(d.Keys) >= smallDict {
		d.index = make(map[any]int, len(d.Keys))
		for i, k := range d.Keys {
			d.index[k] = i
		}
	}
	return nil
}

// Len returns the number of entries.
func (d *Dict) Len() int {
	if d == nil {
		return 0
	}
	return len(d.Keys)
}

// Object is an instance of a TorchScript class (__torch__.<path>.<Class>),
// with the attributes its pickled state set, in order.
type Object struct {
	Class string
	Attrs *Dict
}

// Attr returns the attribute name.
func (o *Object) Attr(name string) (any, bool) { return o.Attrs.Get(name) }

// Device is a torch.device ("cpu", "cuda:0").
type Device string

// global is a resolved whitelisted global.
type global struct{ module, name string }

func (g global) String() string { return g.module + "." + g.name }

// storageRef is a persistent id: a storage of dtype in the archive's
// data/<key> record.
type storageRef struct {
	dtype   string // "FloatStorage", ...
	key     string
	numel   int64
	storage *storage
}

type mark struct{}

// unpickler state.
type unpickler struct {
	data  []byte
	pos   int
	stack []any
	memo  map[int64]any
	lim   *budget
	// persistent resolves a persistent id tuple.
	persistent func(Tuple) (any, error)
}

// budget counts what an input makes the reader allocate.
type budget struct {
	lim   Limits
	items int64
}

func (b *budget) take(n int64, what string) error {
	b.items += n
	if b.items > b.lim.MaxPickleItems {
		return fmt.Errorf("%s: more than %d pickle items (Limits.MaxPickleItems)", what, b.lim.MaxPickleItems)
	}
	return nil
}

// unpickle reads one pickle from data.
func unpickle(data []byte, lim *budget, persistent func(Tuple) (any, error)) (any, error) {
	u := &unpickler{data: data, memo: map[int64]any{}, lim: lim, persistent: persistent}
	v, err := u.run()
	if err != nil {
		return nil, fmt.Errorf("at byte %d: %w", u.pos, err)
	}
	return v, nil
}

func (u *unpickler) read(n int) ([]byte, error) {
	if n < 0 || u.pos+n > len(u.data) || u.pos+n < u.pos {
		return nil, fmt.Errorf("truncated pickle")
	}
	b := u.data[u.pos : u.pos+n]
	u.pos += n
	return b, nil
}

func (u *unpickler) readLine() (string, error) {
	i := strings.IndexByte(string(u.data[u.pos:]), '\n')
	if i < 0 {
		return "", fmt.Errorf("truncated pickle")
	}
	s := string(u.data[u.pos : u.pos+i])
	u.pos += i + 1
	return s, nil
}

func (u *unpickler) uint(n int) (uint64, error) {
	b, err := u.read(n)
	if err != nil {
		return 0, err
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v, nil
}

func (u *unpickler) push(v any) error {
	if len(u.stack) >= u.lim.lim.MaxPickleStack {
		return fmt.Errorf("pickle stack deeper than %d (Limits.MaxPickleStack)", u.lim.lim.MaxPickleStack)
	}
	u.stack = append(u.stack, v)
	return u.lim.take(1, "pickle")
}

func (u *unpickler) pop() (any, error) {
	if len(u.stack) == 0 {
		return nil, fmt.Errorf("pickle stack underflow")
	}
	v := u.stack[len(u.stack)-1]
	u.stack = u.stack[:len(u.stack)-1]
	if _, ok := v.(mark); ok {
		return nil, fmt.Errorf("unexpected mark")
	}
	return v, nil
}

func (u *unpickler) top() (any, error) {
	if len(u.stack) == 0 {
		return nil, fmt.Errorf("pickle stack underflow")
	}
	return u.stack[len(u.stack)-1], nil
}

// popMark pops the items above the topmost mark, and the mark.
func (u *unpickler) popMark() ([]any, error) {
	for i := len(u.stack) - 1; i >= 0; i-- {
		if _, ok := u.stack[i].(mark); ok {
			items := append([]any(nil), u.stack[i+1:]...)
			u.stack = u.stack[:i]
			return items, nil
		}
	}
	return nil, fmt.Errorf("no mark on the pickle stack")
}

func (u *unpickler) str(n int) error {
	b, err := u.read(n)
	if err != nil {
		return err
	}
	if !utf8.Valid(b) {
		return fmt.Errorf("string is not UTF-8")
	}
	return u.push(string(b))
}

func (u *unpickler) run() (any, error) {
	for {
		if u.pos >= len(u.data) {
			return nil, fmt.Errorf("truncated pickle (no STOP)")
		}
		op := u.data[u.pos]
		u.pos++
		var err error
		switch op {
		case 0x80: // PROTO
			var p uint64
			if p, err = u.uint(1); err == nil && p > 5 {
				err = fmt.Errorf("pickle protocol %d", p)
			}
		case 0x95: // FRAME
			_, err = u.uint(8)
		case '.': // STOP
			v, err := u.pop()
			if err != nil {
				return nil, err
			}
			return v, nil
		case '(': // MARK
			if len(u.stack) >= u.lim.lim.MaxPickleStack {
				return nil, fmt.Errorf("pickle stack deeper than %d (Limits.MaxPickleStack)", u.lim.lim.MaxPickleStack)
			}
			u.stack = append(u.stack, mark{})
		case 'N':
			err = u.push(nil)
		case 0x88:
			err = u.push(true)
		case 0x89:
			err = u.push(false)
		case 'J': // BININT
			var v uint64
			if v, err = u.uint(4); err == nil {
				err = u.push(int64(int32(uint32(v))))
			}
		case 'K': // BININT1
			var v uint64
			if v, err = u.uint(1); err == nil {
				err = u.push(int64(v))
			}
		case 'M': // BININT2
			var v uint64
			if v, err = u.uint(2); err == nil {
				err = u.push(int64(v))
			}
		case 0x8a: // LONG1
			var n uint64
			if n, err = u.uint(1); err == nil {
				err = u.long(int(n))
			}
		case 0x8b: // LONG4
			var n uint64
			if n, err = u.uint(4); err == nil {
				if n > 8 {
					err = fmt.Errorf("integer of %d bytes does not fit int64", n)
				} else {
					err = u.long(int(n))
				}
			}
		case 'G': // BINFLOAT (big-endian)
			var b []byte
			if b, err = u.read(8); err == nil {
				err = u.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
			}
		case 'X': // BINUNICODE
			var n uint64
			if n, err = u.uint(4); err == nil {
				err = u.str(int(n))
			}
		case 0x8c: // SHORT_BINUNICODE
			var n uint64
			if n, err = u.uint(1); err == nil {
				err = u.str(int(n))
			}
		case 0x8d: // BINUNICODE8
			var n uint64
			if n, err = u.uint(8); err == nil {
				if n > uint64(len(u.data)) {
					err = fmt.Errorf("truncated pickle")
				} else {
					err = u.str(int(n))
				}
			}
		case 'B', 'C': // BINBYTES, SHORT_BINBYTES
			var n uint64
			if op == 'B' {
				n, err = u.uint(4)
			} else {
				n, err = u.uint(1)
			}
			if err == nil {
				var b []byte
				if b, err = u.read(int(n)); err == nil {
					err = u.push(append([]byte(nil), b...))
				}
			}
		case ')':
			err = u.push(Tuple{})
		case 0x85, 0x86, 0x87: // TUPLE1..3
			n := int(op-0x85) + 1
			if len(u.stack) < n {
				return nil, fmt.Errorf("pickle stack underflow")
			}
			t := make(Tuple, n)
			for i := n - 1; i >= 0; i-- {
				if t[i], err = u.pop(); err != nil {
					return nil, err
				}
			}
			err = u.push(t)
		case 't': // TUPLE
			var items []any
			if items, err = u.popMark(); err == nil {
				err = u.push(Tuple(items))
			}
		case ']':
			err = u.push(&List{})
		case 'l': // LIST
			var items []any
			if items, err = u.popMark(); err == nil {
				err = u.push(&List{Items: items})
			}
		case '}':
			err = u.push(&Dict{})
		case 'd': // DICT
			var items []any
			if items, err = u.popMark(); err == nil {
				d := &Dict{}
				if err = setItems(d, items); err == nil {
					err = u.push(d)
				}
			}
		case 0x8f: // EMPTY_SET: only as an empty tuple-like value
			err = u.push(&List{})
		case 'a': // APPEND
			var v any
			if v, err = u.pop(); err == nil {
				err = u.appendTo([]any{v})
			}
		case 'e': // APPENDS
			var items []any
			if items, err = u.popMark(); err == nil {
				err = u.appendTo(items)
			}
		case 's': // SETITEM
			var k, v any
			if v, err = u.pop(); err == nil {
				if k, err = u.pop(); err == nil {
					err = u.setOnTop([]any{k, v})
				}
			}
		case 'u': // SETITEMS
			var items []any
			if items, err = u.popMark(); err == nil {
				err = u.setOnTop(items)
			}
		case 'q': // BINPUT
			var i uint64
			if i, err = u.uint(1); err == nil {
				err = u.put(int64(i))
			}
		case 'r': // LONG_BINPUT
			var i uint64
			if i, err = u.uint(4); err == nil {
				err = u.put(int64(i))
			}
		case 0x94: // MEMOIZE
			err = u.put(int64(len(u.memo)))
		case 'h': // BINGET
			var i uint64
			if i, err = u.uint(1); err == nil {
				err = u.get(int64(i))
			}
		case 'j': // LONG_BINGET
			var i uint64
			if i, err = u.uint(4); err == nil {
				err = u.get(int64(i))
			}
		case 'c': // GLOBAL
			var mod, name string
			if mod, err = u.readLine(); err == nil {
				if name, err = u.readLine(); err == nil {
					err = u.global(mod, name)
				}
			}
		case 0x93: // STACK_GLOBAL
			var n, m any
			if n, err = u.pop(); err == nil {
				if m, err = u.pop(); err == nil {
					ms, ok1 := m.(string)
					ns, ok2 := n.(string)
					if !ok1 || !ok2 {
						err = fmt.Errorf("STACK_GLOBAL of non-strings")
					} else {
						err = u.global(ms, ns)
					}
				}
			}
		case 0x81: // NEWOBJ
			var args, cls any
			if args, err = u.pop(); err == nil {
				if cls, err = u.pop(); err == nil {
					err = u.newobj(cls, args)
				}
			}
		case 'R': // REDUCE
			var args, fn any
			if args, err = u.pop(); err == nil {
				if fn, err = u.pop(); err == nil {
					err = u.reduce(fn, args)
				}
			}
		case 'b': // BUILD
			var state, obj any
			if state, err = u.pop(); err == nil {
				if obj, err = u.top(); err == nil {
					err = build(obj, state)
				}
			}
		case 'Q': // BINPERSID
			var pid any
			if pid, err = u.pop(); err == nil {
				t, ok := pid.(Tuple)
				if !ok || u.persistent == nil {
					err = fmt.Errorf("unsupported persistent id %s", typeName(pid))
				} else {
					var v any
					if v, err = u.persistent(t); err == nil {
						err = u.push(v)
					}
				}
			}
		case '0': // POP
			if len(u.stack) == 0 {
				err = fmt.Errorf("pickle stack underflow")
			} else {
				u.stack = u.stack[:len(u.stack)-1]
			}
		case '1': // POP_MARK
			_, err = u.popMark()
		case '2': // DUP
			var v any
			if v, err = u.top(); err == nil {
				err = u.push(v)
			}
		default:
			return nil, fmt.Errorf("unsupported pickle opcode 0x%02x", op)
		}
		if err != nil {
			return nil, err
		}
	}
}

func (u *unpickler) long(n int) error {
	b, err := u.read(n)
	if err != nil {
		return err
	}
	if n > 8 {
		// Python ints beyond int64 (never in TorchScript's data).
		return fmt.Errorf("integer of %d bytes does not fit int64", n)
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	if n > 0 && n < 8 && b[n-1]&0x80 != 0 {
		v |= ^uint64(0) << (8 * n) // sign-extend
	}
	return u.push(int64(v))
}

func (u *unpickler) put(i int64) error {
	v, err := u.top()
	if err != nil {
		return err
	}
	if _, ok := v.(mark); ok {
		return fmt.Errorf("memoizing a mark")
	}
	if int64(len(u.memo)) >= u.lim.lim.MaxPickleItems {
		return fmt.Errorf("more than %d memo entries", u.lim.lim.MaxPickleItems)
	}
	u.memo[i] = v
	return nil
}

func (u *unpickler) get(i int64) error {
	v, ok := u.memo[i]
	if !ok {
		return fmt.Errorf("memo entry %d is missing", i)
	}
	return u.push(v)
}

func (u *unpickler) appendTo(items []any) error {
	v, err := u.top()
	if err != nil {
		return err
	}
	l, ok := v.(*List)
	if !ok {
		return fmt.Errorf("APPEND to %s", typeName(v))
	}
	if err := u.lim.take(int64(len(items)), "pickle"); err != nil {
		return err
	}
	l.Items = append(l.Items, items...)
	return nil
}

func (u *unpickler) setOnTop(items []any) error {
	v, err := u.top()
	if err != nil {
		return err
	}
	d, ok := v.(*Dict)
	if !ok {
		return fmt.Errorf("SETITEM on %s", typeName(v))
	}
	return setItems(d, items)
}

func setItems(d *Dict, items []any) error {
	if len(items)%2 != 0 {
		return fmt.Errorf("odd number of dict items")
	}
	for i := 0; i < len(items); i += 2 {
		if err := d.Set(items[i], items[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// The globals TorchScript archives use. Everything else is refused.
var storageTypes = map[string]bool{
	"FloatStorage": true, "DoubleStorage": true, "HalfStorage": true, "BFloat16Storage": true,
	"LongStorage": true, "IntStorage": true, "ShortStorage": true, "CharStorage": true,
	"ByteStorage": true, "BoolStorage": true,
}

func (u *unpickler) global(mod, name string) error {
	ok := false
	switch {
	case strings.HasPrefix(mod, "__torch__.") || mod == "__torch__":
		ok = true // a TorchScript class: an Object
	case mod == "torch" && (storageTypes[name] || name == "device"):
		ok = true
	case mod == "torch._utils" && (name == "_rebuild_tensor_v2" || name == "_rebuild_parameter"):
		ok = true // parameters: torch.save's state dicts
	case mod == "collections" && name == "OrderedDict":
		ok = true
	case mod == "torch.jit._pickle" && (name == "restore_type_tag" || strings.HasPrefix(name, "build_")):
		ok = true
	case mod == "builtins" && name == "set":
		ok = true
	}
	if !ok {
		return fmt.Errorf("unsupported pickle global %s.%s", mod, name)
	}
	return u.push(global{mod, name})
}

func (u *unpickler) newobj(cls, args any) error {
	g, ok := cls.(global)
	if !ok || !strings.HasPrefix(g.module, "__torch__") {
		return fmt.Errorf("NEWOBJ of %s", typeName(cls))
	}
	if t, ok := args.(Tuple); !ok || len(t) != 0 {
		return fmt.Errorf("NEWOBJ of %s with arguments", g)
	}
	return u.push(&Object{Class: g.String(), Attrs: &Dict{}})
}

func build(obj, state any) error {
	o, ok := obj.(*Object)
	if !ok {
		return fmt.Errorf("BUILD on %s", typeName(obj))
	}
	d, ok := state.(*Dict)
	if !ok {
		return fmt.Errorf("BUILD of %s with a %s state (a class with __setstate__ is not supported)", o.Class, typeName(state))
	}
	for i, k := range d.Keys {
		if _, ok := k.(string); !ok {
			return fmt.Errorf("BUILD of %s: attribute name %s", o.Class, typeName(k))
		}
		if err := o.Attrs.Set(k, d.Values[i]); err != nil {
			return err
		}
	}
	return nil
}

func (u *unpickler) reduce(fn, args any) error {
	g, ok := fn.(global)
	if !ok {
		return fmt.Errorf("REDUCE of %s", typeName(fn))
	}
	a, ok := args.(Tuple)
	if !ok {
		return fmt.Errorf("REDUCE of %s with %s arguments", g, typeName(args))
	}
	switch g.String() {
	case "collections.OrderedDict":
		if len(a) != 0 {
			return fmt.Errorf("OrderedDict with arguments")
		}
		return u.push(&Dict{})
	case "builtins.set":
		return u.push(&List{})
	case "torch.device":
		if len(a) < 1 {
			return fmt.Errorf("torch.device without arguments")
		}
		s, ok := a[0].(string)
		if !ok {
			return fmt.Errorf("torch.device(%s)", typeName(a[0]))
		}
		if len(a) == 2 {
			if i, ok := a[1].(int64); ok {
				s = fmt.Sprintf("%s:%d", s, i)
			}
		}
		return u.push(Device(s))
	case "torch._utils._rebuild_tensor_v2":
		t, err := rebuildTensor(a, u.lim)
		if err != nil {
			return err
		}
		return u.push(t)
	case "torch._utils._rebuild_parameter":
		// _rebuild_parameter(data, requires_grad, backward_hooks): the tensor.
		if len(a) != 3 {
			return fmt.Errorf("_rebuild_parameter with %d arguments", len(a))
		}
		if _, ok := a[0].(tensor.Tensor); !ok {
			return fmt.Errorf("_rebuild_parameter of a %s", typeName(a[0]))
		}
		return u.push(a[0])
	case "torch.jit._pickle.restore_type_tag":
		// restore_type_tag(value, type_str): the value itself.
		if len(a) != 2 {
			return fmt.Errorf("restore_type_tag with %d arguments", len(a))
		}
		return u.push(a[0])
	}
	if strings.HasPrefix(g.module, "torch.jit._pickle") {
		// build_intlist, build_tensorlist, ...: the list argument itself.
		if len(a) != 1 {
			return fmt.Errorf("%s with %d arguments", g, len(a))
		}
		return u.push(a[0])
	}
	return fmt.Errorf("unsupported call of %s", g)
}

// TypeName names a value's Python type in errors ("NoneType", "int", "str",
// ...), as TorchScript does; the reader's own types included.
func TypeName(v any) string { return typeName(v) }

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case Tuple:
		return "tuple"
	case *List:
		return "list"
	case *Dict:
		return "dict"
	case *Object:
		return "object " + v.(*Object).Class
	case global:
		return "global " + v.(global).String()
	case Device:
		return "device"
	case *storageRef:
		return "storage"
	case mark:
		return "mark"
	}
	return fmt.Sprintf("%T", v)
}
