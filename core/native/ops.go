package native

// knownOps are, per class, the aten operations the code of Ludwig's
// scripted module uses in real exports (Ludwig v0.8.6 to v0.11.0, read by
// lt_module_class_ops; the union over the variants a class compiles to: a
// number transformer compiles only the methods its owner calls,
// _BinaryPostprocessing drops its label lookup when bool2str is None, ...).
// TestPrintOps prints them from a folder of real exports; the conformance
// suite checks, on every export it builds with real Ludwig, that each
// recognised class's operations are listed here and that every feature
// with a native implementation is recognised. The test fixtures' stand-ins
// must use only these operations (TestFixtureCodeIsKnown). A module whose
// code uses any other aten operation is not Ludwig's code as this package
// knows it, and is left to TorchScript.
var knownOps = map[string]map[string]bool{
	"CharactersToListTokenizer":             set("aten::__getitem__", "aten::append", "aten::extend", "aten::format", "aten::gt", "aten::len"),
	"CommaStringToListTokenizer":            set("aten::__getitem__", "aten::append", "aten::extend", "aten::format", "aten::gt", "aten::len", "aten::split", "aten::strip"),
	"IdentityTransformer":                   set(),
	"InterQuartileTransformer":              set("aten::add", "aten::div", "aten::mul", "aten::sub"),
	"Log1pTransformer":                      set("aten::expm1", "aten::log1p"),
	"MinMaxTransformer":                     set("aten::add", "aten::div", "aten::mul", "aten::sub"),
	"SpacePunctuationStringToListTokenizer": set("aten::__getitem__", "aten::__not__", "aten::append", "aten::clear", "aten::eq", "aten::extend", "aten::format", "aten::gt", "aten::isalnum", "aten::isspace", "aten::join", "aten::len"),
	"SpaceStringToListTokenizer":            set("aten::__getitem__", "aten::append", "aten::extend", "aten::format", "aten::gt", "aten::len", "aten::split", "aten::strip"),
	"UnderscoreStringToListTokenizer":       set("aten::__getitem__", "aten::append", "aten::extend", "aten::format", "aten::gt", "aten::len", "aten::split", "aten::strip"),
	"ZScoreTransformer":                     set("aten::add", "aten::div", "aten::mul", "aten::sub"),
	"_BinaryPostprocessing":                 set("aten::IntImplicit", "aten::__getitem__", "aten::add", "aten::append", "aten::get", "aten::len", "aten::neg", "aten::select", "aten::stack", "aten::to"),
	"_BinaryPreprocessing":                  set("aten::__getitem__", "aten::append", "aten::format", "aten::get", "aten::len", "aten::lower", "aten::stack", "aten::strip", "aten::tensor", "aten::to"),
	"_CategoryPostprocessing":               set("aten::IntImplicit", "aten::append", "aten::get", "aten::len", "aten::select"),
	"_CategoryPreprocessing":                set("aten::__getitem__", "aten::__not__", "aten::append", "aten::format", "aten::get", "aten::len", "aten::strip", "aten::tensor"),
	"_DatePreprocessing":                    set("aten::format", "aten::stack", "aten::to"),
	"_H3Preprocessing":                      set("aten::IntImplicit", "aten::__not__", "aten::add", "aten::append", "aten::format", "aten::len", "aten::mul", "aten::nan_to_num", "aten::select", "aten::stack", "aten::sub", "aten::tensor", "aten::to"),
	"_NumberPostprocessing":                 set(),
	"_NumberPreprocessing":                  set("aten::__not__", "aten::format", "aten::nan_to_num", "aten::to"),
	"_OutlierReplacer":                      set("aten::abs", "aten::gt", "aten::masked_fill", "aten::nan_to_num", "aten::to"),
	"_SequencePostprocessing":               set("aten::Int", "aten::__getitem__", "aten::append", "aten::item", "aten::len", "aten::log", "aten::lt", "aten::max", "aten::select", "aten::sum"),
	"_SequencePreprocessing":                set("aten::__contains__", "aten::__getitem__", "aten::__not__", "aten::add", "aten::append", "aten::copy_", "aten::eq", "aten::format", "aten::full", "aten::len", "aten::lower", "aten::lt", "aten::ne", "aten::select", "aten::slice", "aten::stack", "aten::sub", "aten::tensor", "aten::wait"),
	"_SetPostprocessing":                    set("aten::Bool", "aten::append", "aten::eq", "aten::get", "aten::index", "aten::len", "aten::select", "aten::tensor"),
	"_SetPreprocessing":                     set("aten::__contains__", "aten::__getitem__", "aten::__not__", "aten::add_", "aten::append", "aten::copy_", "aten::format", "aten::len", "aten::lower", "aten::select", "aten::tensor", "aten::zeros"),
	"_TimeseriesPreprocessing":              set("aten::Bool", "aten::Float", "aten::__getitem__", "aten::any", "aten::append", "aten::copy_", "aten::eq", "aten::flip", "aten::format", "aten::full", "aten::isnan", "aten::len", "aten::select", "aten::slice", "aten::sub", "aten::tensor"),
	"_VectorPostprocessing":                 set(),
	"_VectorPreprocessing":                  set("aten::Bool", "aten::Float", "aten::__getitem__", "aten::any", "aten::append", "aten::format", "aten::isnan", "aten::len", "aten::split", "aten::stack", "aten::tensor"),
}

func set(ops ...string) map[string]bool {
	m := map[string]bool{}
	for _, o := range ops {
		m[o] = true
	}
	return m
}
