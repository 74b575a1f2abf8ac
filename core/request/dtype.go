package request

import (
	"math"
	"strconv"
)

// DType is the dtype pandas gives a column built from JSON values (the
// DataFrame pd.DataFrame(records) makes of what Python's json module
// parsed). A column's dtype decides how each of its values is spelled for
// string-typed features (an integer is "5" in an int64 or object column,
// "5.0" in a float64 one) and which tensor a number or h3 feature gets, so
// it must be decided over the whole column, never over part of it.
type DType uint8

// Column dtypes, as pandas (2.x, lib.maybe_convert_objects) infers them
// from the values in order:
//
//   - DTypeBool: only booleans;
//   - DTypeInt64: only integers within int64;
//   - DTypeUInt64: only integers, none negative, some above int64;
//   - DTypeFloat64: numbers (NaN and Infinity included) and nulls, with at
//     least one float or null, and no integer that makes the column object
//     (integers above int64 become floats);
//   - DTypeObject: anything else: strings, arrays, objects, booleans mixed
//     with anything, only nulls, or an integer outside [-2^63, 2^64-1], or
//     a negative integer and one above int64 - except that pandas stops
//     checking integers' ranges after the first null (not NaN), so
//     [null, 2^70] is float64 where [2^70, null] is object.
const (
	DTypeAuto    DType = iota // not decided: InferDType of the cells
	DTypeInt64                // int64
	DTypeUInt64               // uint64
	DTypeFloat64              // float64
	DTypeBool                 // bool
	DTypeObject               // object
)

var dtypeNames = [...]string{"auto", "int64", "uint64", "float64", "bool", "object"}

// String is pandas' name of the dtype ("int64", "object", ...).
func (d DType) String() string { return dtypeNames[d] }

// Profile accumulates what a column holds, in row order, to decide its
// dtype over values seen in several batches (Add each value, then DType).
type Profile struct {
	null     bool // a JSON null (Python None)
	ints     bool // an integer
	negative bool // a negative integer checked before the first null
	unsigned bool // an integer above int64 checked before the first null
	float    bool // a Float (NaN and infinities included)
	boolean  bool // a Bool
	object   bool // a string, array, object, or an integer out of range
}

// Add records the next value of the column.
func (p *Profile) Add(c Cell) {
	switch c.Kind {
	case Null:
		p.null = true
	case Int, BigInt:
		p.ints = true
		if p.null {
			return // pandas checks no integer's range after a None
		}
		if c.Kind == Int {
			p.negative = p.negative || c.Int < 0
		} else if _, err := strconv.ParseUint(c.Str, 10, 64); err == nil {
			p.unsigned = true
		} else {
			p.object = true
		}
		p.object = p.object || (p.negative && p.unsigned)
	case Float:
		p.float = true
	case Bool:
		p.boolean = true
	default:
		p.object = true
	}
}

// AddMissing records a row that lacks the column (pandas puts NaN there).
func (p *Profile) AddMissing() { p.Add(Cell{Kind: Float, Num: math.NaN()}) }

// DType is the dtype pandas gives the column of the values added.
func (p *Profile) DType() DType {
	switch {
	case p.object:
		return DTypeObject
	case p.boolean:
		if p.null || p.ints || p.float {
			return DTypeObject
		}
		return DTypeBool
	case p.float || (p.null && p.ints):
		return DTypeFloat64
	case p.null || !p.ints:
		return DTypeObject // only nulls, or nothing
	case p.unsigned:
		return DTypeUInt64
	}
	return DTypeInt64
}

// InferDType is the dtype pandas gives a column of these cells.
func InferDType(cells []Cell) DType {
	var p Profile
	for _, c := range cells {
		p.Add(c)
	}
	return p.DType()
}
