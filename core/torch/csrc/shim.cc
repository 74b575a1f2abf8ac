// shim.cc - the only translation unit of ludwig-infer that includes libtorch.
// See shim.h for the conventions. Every extern "C" body is wrapped in
// LT_TRY / LT_CATCH, which turn every C++ exception into an error string.

#include "shim.h"

#include <dlfcn.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/api/include/torch/version.h>
#include <torch/csrc/api/include/torch/cuda.h>
#include <torch/script.h>

struct lt_module {
  torch::jit::Module module;
  c10::TypePtr input_type;  // forward's first argument type
};

struct lt_value {
  c10::IValue v;
  // Dict entries in insertion order, filled on first keyed access.
  bool cached = false;
  std::vector<c10::IValue> keys;
  std::vector<c10::IValue> vals;
};

namespace {

char *dup_str(const std::string &s) {
  char *p = static_cast<char *>(std::malloc(s.size() + 1));
  if (p == nullptr) return nullptr;
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  return p;
}

// A failure reported as an error string. dup_str may return NULL only when
// malloc fails; then a static message stands in (never freed by callers that
// check for it, see shim.go).
char *fail(const std::string &msg) {
  char *p = dup_str(msg);
  return p != nullptr ? p : dup_str("out of memory");
}

// Warnings libtorch issues (TORCH_WARN in its kernels, aten::warn in
// TorchScript code) are queued here instead of going to libtorch's default
// handler, which prints them to stderr (through glog in builds that use it);
// Go drains the queue with lt_take_warnings and logs them through the
// library's log callback. c10's handler is per thread: route_warnings sets
// it on each thread that enters the shim.
// Heap objects never freed, so that a thread still warning while the host
// exits never meets a destroyed queue or handler.
struct WarningQueue {
  std::mutex mu;
  std::vector<std::string> items;
  size_t dropped = 0;
};
WarningQueue &warning_queue() {
  static auto *q = new WarningQueue();
  return *q;
}
constexpr size_t kMaxWarnings = 256;
} // namespace

// 1 while the queue holds a warning (set and cleared under the queue's lock,
// read atomically by Go without a cgo call: most inferences have nothing to
// take).
extern "C" int lt_warnings_pending = 0;

namespace {

void queue_warning(const c10::SourceLocation &loc, const std::string &msg) {
  std::ostringstream os;
  os << msg;
  if (loc.file != nullptr && loc.file[0] != '\0') {
    const char *base = std::strrchr(loc.file, '/');
    os << " (" << (base != nullptr ? base + 1 : loc.file) << ":" << loc.line << ")";
  }
  WarningQueue &q = warning_queue();
  std::lock_guard<std::mutex> lock(q.mu);
  __atomic_store_n(&lt_warnings_pending, 1, __ATOMIC_RELEASE);
  if (q.items.size() < kMaxWarnings) {
    q.items.push_back(os.str());
  } else {
    q.dropped++;
  }
}

class QueueingHandler : public c10::WarningHandler {
 public:
#if TORCH_VERSION_MAJOR >= 2
  void process(const c10::Warning &w) override {
    queue_warning(w.source_location(), w.msg());
  }
#else
  void process(const c10::SourceLocation &loc, const std::string &msg,
               const bool /* print as is */) override {
    queue_warning(loc, msg);
  }
#endif
};

thread_local bool t_warnings_routed = false;

void route_warnings() {
  if (t_warnings_routed) return;
  static auto *handler = new QueueingHandler();
#if TORCH_VERSION_MAJOR >= 2
  c10::WarningUtils::set_warning_handler(handler);
#else
  c10::Warning::set_warning_handler(handler);
#endif
  t_warnings_routed = true;
}

std::atomic<int> g_threads{1};
thread_local int t_threads_applied = 0;

void apply_threads() {
  route_warnings();
  int want = g_threads.load();
  if (t_threads_applied != want) {
    at::set_num_threads(want);
    t_threads_applied = want;
  }
}

c10::ScalarType scalar_type(int dtype) {
  switch (dtype) {
    case LT_FLOAT32: return c10::kFloat;
    case LT_FLOAT64: return c10::kDouble;
    case LT_INT32: return c10::kInt;
    case LT_INT64: return c10::kLong;
    case LT_UINT8: return c10::kByte;
    case LT_BOOL: return c10::kBool;
    case LT_INT8: return c10::kChar;
    case LT_INT16: return c10::kShort;
  }
  throw std::invalid_argument("unknown dtype code " + std::to_string(dtype));
}

int dtype_code(c10::ScalarType t) {
  switch (t) {
    case c10::kFloat: return LT_FLOAT32;
    case c10::kDouble: return LT_FLOAT64;
    case c10::kInt: return LT_INT32;
    case c10::kLong: return LT_INT64;
    case c10::kByte: return LT_UINT8;
    case c10::kBool: return LT_BOOL;
    case c10::kChar: return LT_INT8;
    case c10::kShort: return LT_INT16;
    default: return 0;
  }
}

at::Tensor make_tensor(int dtype, const int64_t *shape, size_t ndim,
                       const void *data, bool copy) {
  std::vector<int64_t> dims(shape, shape + ndim);
  auto opts = at::TensorOptions().dtype(scalar_type(dtype));
  int64_t numel = 1;
  for (auto d : dims) {
    if (d < 0) throw std::invalid_argument("negative dimension in tensor shape");
    numel *= d;
  }
  if (numel == 0 || data == nullptr) return at::empty(dims, opts);
  at::Tensor t = at::from_blob(const_cast<void *>(data), dims, opts);
  return copy ? t.clone() : t;
}

// The dict an lt_value holds: a handle sharing the value's storage, so
// inserting into it fills the value.
c10::impl::GenericDict dict_of(lt_value *d) {
  if (d == nullptr || !d->v.isGenericDict())
    throw std::invalid_argument("not an input dict");
  return d->v.toGenericDict();
}

void fill_dict_cache(const lt_value *cv) {
  auto *v = const_cast<lt_value *>(cv);
  if (v->cached) return;
  if (!v->v.isGenericDict()) throw std::invalid_argument("value is not a dict");
  for (const auto &e : v->v.toGenericDict()) {
    v->keys.push_back(e.key());
    v->vals.push_back(e.value());
  }
  v->cached = true;
}

lt_value *wrap(c10::IValue v) {
  auto *out = new lt_value();
  out->v = std::move(v);
  return out;
}

c10::IValue move_to(const c10::IValue &v, const c10::Device &dev) {
  if (v.isTensor()) return v.toTensor().to(dev);
  if (v.isGenericDict()) {
    auto src = v.toGenericDict();
    c10::impl::GenericDict dst(src.keyType(), src.valueType());
    for (const auto &e : src) dst.insert(e.key(), move_to(e.value(), dev));
    return dst;
  }
  return v;
}

}  // namespace

#define LT_TRY try {
#define LT_CATCH                                              \
  }                                                           \
  catch (const c10::Error &e) {                               \
    return fail(e.what_without_backtrace());                  \
  }                                                           \
  catch (const std::exception &e) {                           \
    return fail(e.what());                                    \
  }                                                           \
  catch (...) {                                               \
    return fail("unknown C++ exception");                     \
  }                                                           \
  return nullptr;

extern "C" {

int lt_cuda_device_count(void) {
  try {
    return static_cast<int>(torch::cuda::device_count());
  } catch (...) {
    return 0;
  }
}

const char *lt_torch_version(void) {
  static const std::string v = std::to_string(TORCH_VERSION_MAJOR) + "." +
                               std::to_string(TORCH_VERSION_MINOR) + "." +
                               std::to_string(TORCH_VERSION_PATCH);
  return v.c_str();
}

char *lt_set_threads(int n) {
  LT_TRY
  if (n < 1) return fail("thread count must be >= 1");
  g_threads.store(n);
  at::set_num_threads(n);
  t_threads_applied = n;
  // OpenBLAS keeps its own pool (Debian's libtorch links it).
  using setter = void (*)(int);
  if (auto f = reinterpret_cast<setter>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    f(n);
  LT_CATCH
}

char *lt_load_library(const char *path) {
  LT_TRY
  if (path == nullptr) return fail("library path is NULL");
  if (dlopen(path, RTLD_NOW | RTLD_GLOBAL) == nullptr) {
    const char *e = dlerror();
    return fail(std::string("cannot load library ") + path + ": " + (e ? e : "unknown error"));
  }
  LT_CATCH
}

char *lt_take_warnings(char **out) {
  LT_TRY
  if (out == nullptr) return fail("NULL argument");
  std::string joined;
  {
    WarningQueue &q = warning_queue();
    std::lock_guard<std::mutex> lock(q.mu);
    for (const auto &w : q.items) {
      if (!joined.empty()) joined += '\n';
      joined += w;
    }
    if (q.dropped > 0) {
      if (!joined.empty()) joined += '\n';
      joined += std::to_string(q.dropped) + " more warnings were dropped (more than " +
                std::to_string(kMaxWarnings) + " between two reads)";
    }
    q.items.clear();
    q.dropped = 0;
    __atomic_store_n(&lt_warnings_pending, 0, __ATOMIC_RELEASE);
  }
  *out = joined.empty() ? nullptr : dup_str(joined);
  LT_CATCH
}

char *lt_module_load(const char *path, const char *device, lt_module **out) {
  LT_TRY
  if (path == nullptr || out == nullptr) return fail("NULL argument");
  c10::Device dev(device == nullptr ? std::string("cpu") : std::string(device));
  auto m = std::make_unique<lt_module>();
  route_warnings();
  m->module = torch::jit::load(path, dev);
  m->module.eval();
  auto method = m->module.find_method("forward");
  if (!method) return fail("the module has no forward method");
  const auto &schema = method->function().getSchema();
  if (schema.arguments().size() < 2)
    return fail("forward takes no input argument");
  m->input_type = schema.arguments()[1].type();
  *out = m.release();
  LT_CATCH
}

void lt_module_free(lt_module *m) {
  try {
    delete m;
  } catch (...) {
  }
}

char *lt_module_schema(lt_module *m, char **out) {
  LT_TRY
  if (m == nullptr || out == nullptr) return fail("NULL argument");
  std::ostringstream os;
  os << m->module.get_method("forward").function().getSchema();
  *out = dup_str(os.str());
  LT_CATCH
}

char *lt_module_input_value_type(lt_module *m, char **out) {
  LT_TRY
  if (m == nullptr || out == nullptr) return fail("NULL argument");
  c10::TypePtr t = m->input_type;
  if (auto d = t->cast<c10::DictType>()) t = d->getValueType();
  *out = dup_str(t->annotation_str());
  LT_CATCH
}

char *lt_module_new_input(lt_module *m, lt_value **out) {
  LT_TRY
  if (m == nullptr || out == nullptr) return fail("NULL argument");
  auto d = m->input_type->cast<c10::DictType>();
  if (!d) return fail("forward's input is not a dict: " + m->input_type->annotation_str());
  *out = wrap(c10::impl::GenericDict(d->getKeyType(), d->getValueType()));
  LT_CATCH
}

char *lt_dict_put_tensor(lt_value *dict, const char *key, int dtype,
                         const int64_t *shape, size_t ndim, const void *data,
                         int copy) {
  LT_TRY
  if (key == nullptr || (ndim > 0 && shape == nullptr)) return fail("NULL argument");
  dict_of(dict).insert_or_assign(std::string(key),
                                 make_tensor(dtype, shape, ndim, data, copy != 0));
  LT_CATCH
}

char *lt_dict_put_strings(lt_value *dict, const char *key, const char *buf,
                          const size_t *lens, size_t n) {
  LT_TRY
  if (key == nullptr || (n > 0 && lens == nullptr)) return fail("NULL argument");
  c10::List<std::string> list;
  list.reserve(n);
  size_t off = 0;
  for (size_t i = 0; i < n; i++) {
    list.push_back(lens[i] == 0 ? std::string() : std::string(buf + off, lens[i]));
    off += lens[i];
  }
  dict_of(dict).insert_or_assign(std::string(key), list);
  LT_CATCH
}

char *lt_dict_put_tensor_list(lt_value *dict, const char *key, size_t n,
                              const int *dtypes, const size_t *ndims,
                              const int64_t *shapes, const char *buf,
                              const size_t *offsets,
                              const int64_t *sample_rates, int as_tuples) {
  LT_TRY
  if (key == nullptr || (n > 0 && (dtypes == nullptr || ndims == nullptr ||
                                   offsets == nullptr)))
    return fail("NULL argument");
  if (as_tuples && n > 0 && sample_rates == nullptr) return fail("NULL sample rates");
  std::vector<at::Tensor> ts;
  const int64_t *shape = shapes;
  for (size_t i = 0; i < n; i++) {
    const void *data = buf == nullptr ? nullptr : buf + offsets[i];
    ts.push_back(make_tensor(dtypes[i], shape, ndims[i], data, true));
    shape += ndims[i];
  }
  if (as_tuples) {
    c10::impl::GenericList list(
        c10::TupleType::create({c10::TensorType::get(), c10::IntType::get()}));
    for (size_t i = 0; i < n; i++)
      list.push_back(c10::ivalue::Tuple::create(ts[i], sample_rates[i]));
    dict_of(dict).insert_or_assign(std::string(key), list);
  } else {
    c10::List<at::Tensor> list;
    for (auto &t : ts) list.push_back(t);
    dict_of(dict).insert_or_assign(std::string(key), list);
  }
  LT_CATCH
}

char *lt_module_forward(lt_module *m, const lt_value *input, const char *device,
                        lt_value **out) {
  LT_TRY
  if (m == nullptr || input == nullptr || out == nullptr) return fail("NULL argument");
  apply_threads();
  c10::InferenceMode guard;
  c10::IValue in = input->v;
  if (device != nullptr && std::strcmp(device, "cpu") != 0)
    in = move_to(in, c10::Device(device));
  std::vector<c10::IValue> args{in};
  *out = wrap(m->module.forward(args));
  LT_CATCH
}

void lt_value_free(lt_value *v) {
  try {
    delete v;
  } catch (...) {
  }
}

int lt_value_kind(const lt_value *v) {
  if (v == nullptr) return LT_KIND_NONE;
  const auto &x = v->v;
  if (x.isNone()) return LT_KIND_NONE;
  if (x.isTensor()) return LT_KIND_TENSOR;
  if (x.isString()) return LT_KIND_STRING;
  if (x.isInt()) return LT_KIND_INT;
  if (x.isDouble()) return LT_KIND_DOUBLE;
  if (x.isBool()) return LT_KIND_BOOL;
  if (x.isList()) return LT_KIND_LIST;
  if (x.isGenericDict()) return LT_KIND_DICT;
  if (x.isTuple()) return LT_KIND_TUPLE;
  return LT_KIND_OTHER;
}

char *lt_value_int(const lt_value *v, int64_t *out) {
  LT_TRY
  if (v == nullptr || out == nullptr) return fail("NULL argument");
  *out = v->v.toInt();
  LT_CATCH
}

char *lt_value_double(const lt_value *v, double *out) {
  LT_TRY
  if (v == nullptr || out == nullptr) return fail("NULL argument");
  *out = v->v.toDouble();
  LT_CATCH
}

char *lt_value_bool(const lt_value *v, int *out) {
  LT_TRY
  if (v == nullptr || out == nullptr) return fail("NULL argument");
  *out = v->v.toBool() ? 1 : 0;
  LT_CATCH
}

char *lt_value_string(const lt_value *v, const char **data, size_t *len) {
  LT_TRY
  if (v == nullptr || data == nullptr || len == nullptr) return fail("NULL argument");
  const std::string &s = v->v.toStringRef();
  *data = s.data();
  *len = s.size();
  LT_CATCH
}

char *lt_value_len(const lt_value *v, size_t *out) {
  LT_TRY
  if (v == nullptr || out == nullptr) return fail("NULL argument");
  if (v->v.isList()) *out = v->v.toListRef().size();
  else if (v->v.isTuple()) *out = v->v.toTupleRef().elements().size();
  else if (v->v.isGenericDict()) *out = v->v.toGenericDict().size();
  else return fail("value has no length");
  LT_CATCH
}

char *lt_value_item(const lt_value *v, size_t i, lt_value **out) {
  LT_TRY
  if (v == nullptr || out == nullptr) return fail("NULL argument");
  if (v->v.isList()) {
    auto l = v->v.toListRef();
    if (i >= l.size()) return fail("list index out of range");
    *out = wrap(l[i]);
  } else if (v->v.isTuple()) {
    const auto &e = v->v.toTupleRef().elements();
    if (i >= e.size()) return fail("tuple index out of range");
    *out = wrap(e[i]);
  } else {
    return fail("value is not a list or tuple");
  }
  LT_CATCH
}

char *lt_value_strings(const lt_value *v, const char ***ptrs, size_t **lens,
                       size_t *n) {
  LT_TRY
  if (v == nullptr || ptrs == nullptr || lens == nullptr || n == nullptr)
    return fail("NULL argument");
  if (!v->v.isList()) return fail("value is not a list");
  auto l = v->v.toListRef();
  size_t count = l.size();
  auto **p = static_cast<const char **>(std::malloc(sizeof(char *) * (count + 1)));
  auto *s = static_cast<size_t *>(std::malloc(sizeof(size_t) * (count + 1)));
  if (p == nullptr || s == nullptr) {
    std::free(p);
    std::free(s);
    return fail("out of memory");
  }
  for (size_t i = 0; i < count; i++) {
    if (!l[i].isString()) {
      std::free(p);
      std::free(s);
      return fail("list element is not a string");
    }
    const std::string &str = l[i].toStringRef();
    p[i] = str.data();
    s[i] = str.size();
  }
  *ptrs = p;
  *lens = s;
  *n = count;
  LT_CATCH
}

char *lt_value_dict_key(const lt_value *v, size_t i, const char **key,
                        size_t *len) {
  LT_TRY
  if (v == nullptr || key == nullptr || len == nullptr) return fail("NULL argument");
  fill_dict_cache(v);
  if (i >= v->keys.size()) return fail("dict index out of range");
  if (!v->keys[i].isString()) return fail("dict key is not a string");
  const std::string &s = v->keys[i].toStringRef();
  *key = s.data();
  *len = s.size();
  LT_CATCH
}

char *lt_value_dict_value(const lt_value *v, size_t i, lt_value **out) {
  LT_TRY
  if (v == nullptr || out == nullptr) return fail("NULL argument");
  fill_dict_cache(v);
  if (i >= v->vals.size()) return fail("dict index out of range");
  *out = wrap(v->vals[i]);
  LT_CATCH
}

char *lt_value_tensor(lt_value *v, int *dtype, size_t *ndim,
                      const int64_t **shape, const void **data) {
  LT_TRY
  if (v == nullptr || dtype == nullptr || ndim == nullptr || shape == nullptr ||
      data == nullptr)
    return fail("NULL argument");
  if (!v->v.isTensor()) return fail("value is not a tensor");
  at::Tensor t = v->v.toTensor();
  bool changed = false;
  if (!t.device().is_cpu()) { t = t.cpu(); changed = true; }
  if (t.scalar_type() == c10::kHalf || t.scalar_type() == c10::kBFloat16) {
    t = t.to(c10::kFloat);
    changed = true;
  }
  if (dtype_code(t.scalar_type()) == 0)
    return fail(std::string("unsupported tensor dtype ") + c10::toString(t.scalar_type()));
  if (!t.is_contiguous()) { t = t.contiguous(); changed = true; }
  if (changed) v->v = t;
  const at::Tensor &held = v->v.toTensor();
  *dtype = dtype_code(held.scalar_type());
  *ndim = static_cast<size_t>(held.dim());
  *shape = held.sizes().data();
  *data = held.data_ptr();
  LT_CATCH
}

}  // extern "C"

// ---- Named methods, submodules, attributes, positional calls, wrapping ----

namespace {

// The first argument type of a method (after self); NoneType when the
// method is missing or takes no argument, so lt_module_new_input fails
// cleanly instead of dereferencing a null type.
c10::TypePtr first_arg_type(const torch::jit::Module &m, const std::string &method) {
  auto found = m.find_method(method);
  if (!found) return c10::NoneType::get();
  const auto &schema = found->function().getSchema();
  if (schema.arguments().size() < 2) return c10::NoneType::get();
  return schema.arguments()[1].type();
}

lt_module *new_handle(const torch::jit::Module &mod) {
  auto out = std::make_unique<lt_module>();
  out->module = mod;
  out->input_type = first_arg_type(mod, "forward");
  return out.release();
}

torch::jit::Method method_of(lt_module *m, const char *method) {
  if (m == nullptr || method == nullptr) throw std::invalid_argument("NULL argument");
  auto found = m->module.find_method(method);
  if (!found) throw std::invalid_argument(std::string("the module has no method ") + method);
  return *found;
}

}  // namespace

extern "C" {

char *lt_module_load_bytes(const void *data, size_t len, const char *device,
                           lt_module **out) {
  LT_TRY
  if ((data == nullptr && len > 0) || out == nullptr) return fail("NULL argument");
  c10::Device dev(device == nullptr ? std::string("cpu") : std::string(device));
  std::istringstream in(std::string(static_cast<const char *>(data), len));
  route_warnings();
  torch::jit::Module mod = torch::jit::load(in, dev);
  mod.eval();
  *out = new_handle(mod);
  LT_CATCH
}

char *lt_module_submodule(lt_module *m, const char *path, lt_module **out) {
  LT_TRY
  if (m == nullptr || path == nullptr || out == nullptr) return fail("NULL argument");
  torch::jit::Module cur = m->module;
  std::string p(path), done;
  size_t start = 0;
  while (start < p.size()) {
    size_t dot = p.find('.', start);
    std::string name = p.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur.hasattr(name)) return fail("the module has no attribute " + (done.empty() ? name : done + "." + name));
    c10::IValue v = cur.attr(name);
    if (!v.isModule()) return fail("attribute " + (done.empty() ? name : done + "." + name) + " is not a module");
    cur = v.toModule();
    done = done.empty() ? name : done + "." + name;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  *out = new_handle(cur);
  LT_CATCH
}

int lt_module_has_method(lt_module *m, const char *method) {
  try {
    if (m == nullptr || method == nullptr) return 0;
    return m->module.find_method(method) ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

char *lt_module_method_schema(lt_module *m, const char *method, char **out) {
  LT_TRY
  if (out == nullptr) return fail("NULL argument");
  std::ostringstream os;
  os << method_of(m, method).function().getSchema();
  *out = dup_str(os.str());
  LT_CATCH
}

char *lt_module_method_new_input(lt_module *m, const char *method,
                                 lt_value **out) {
  LT_TRY
  if (out == nullptr) return fail("NULL argument");
  method_of(m, method);
  c10::TypePtr t = first_arg_type(m->module, method);
  auto d = t->cast<c10::DictType>();
  if (!d) return fail(std::string(method) + "'s input is not a dict: " + t->annotation_str());
  *out = wrap(c10::impl::GenericDict(d->getKeyType(), d->getValueType()));
  LT_CATCH
}

char *lt_module_method_forward(lt_module *m, const char *method,
                               const lt_value *input, const char *device,
                               lt_value **out) {
  LT_TRY
  if (input == nullptr || out == nullptr) return fail("NULL argument");
  torch::jit::Method fn = method_of(m, method);
  apply_threads();
  c10::InferenceMode guard;
  c10::IValue in = input->v;
  if (device != nullptr && std::strcmp(device, "cpu") != 0)
    in = move_to(in, c10::Device(device));
  *out = wrap(fn(std::vector<c10::IValue>{in}));
  LT_CATCH
}

char *lt_module_method_call(lt_module *m, const char *method,
                            const lt_value *const *args, size_t nargs,
                            lt_value **out) {
  LT_TRY
  if (out == nullptr || (nargs > 0 && args == nullptr)) return fail("NULL argument");
  torch::jit::Method fn = method_of(m, method);
  std::vector<c10::IValue> in;
  in.reserve(nargs);
  for (size_t i = 0; i < nargs; i++) {
    if (args[i] == nullptr) return fail("NULL argument " + std::to_string(i));
    in.push_back(args[i]->v);
  }
  apply_threads();
  c10::InferenceMode guard;
  *out = wrap(fn(std::move(in)));
  LT_CATCH
}

char *lt_module_children(lt_module *m, char **out) {
  LT_TRY
  if (m == nullptr || out == nullptr) return fail("NULL argument");
  std::ostringstream os;
  for (const auto &c : m->module.named_children())
    os << c.name << '\t' << c.value.type()->name()->qualifiedName() << '\n';
  *out = dup_str(os.str());
  LT_CATCH
}

char *lt_module_attr(lt_module *m, const char *name, lt_value **out) {
  LT_TRY
  if (m == nullptr || name == nullptr || out == nullptr) return fail("NULL argument");
  if (!m->module.hasattr(name)) return fail(std::string("the module has no attribute ") + name);
  *out = wrap(m->module.attr(name));
  LT_CATCH
}

char *lt_module_to_device(lt_module *m, const char *device) {
  LT_TRY
  if (m == nullptr || device == nullptr) return fail("NULL argument");
  c10::Device dev{std::string(device)};
  m->module.to(dev);
  if (m->module.hasattr("device") && m->module.attr("device").isDevice())
    m->module.setattr("device", c10::IValue(dev));
  LT_CATCH
}

char *lt_value_dict_key_value(const lt_value *v, size_t i, lt_value **out) {
  LT_TRY
  if (v == nullptr || out == nullptr) return fail("NULL argument");
  fill_dict_cache(v);
  if (i >= v->keys.size()) return fail("dict index out of range");
  *out = wrap(v->keys[i]);
  LT_CATCH
}

char *lt_value_new_tensor(int dtype, const int64_t *shape, size_t ndim,
                          const void *data, lt_value **out) {
  LT_TRY
  if (out == nullptr || (ndim > 0 && shape == nullptr)) return fail("NULL argument");
  *out = wrap(make_tensor(dtype, shape, ndim, data, true));
  LT_CATCH
}

char *lt_value_new_strings(const char *buf, const size_t *lens, size_t n,
                           lt_value **out) {
  LT_TRY
  if (out == nullptr || (n > 0 && lens == nullptr)) return fail("NULL argument");
  c10::List<std::string> list;
  list.reserve(n);
  size_t off = 0;
  for (size_t i = 0; i < n; i++) {
    list.push_back(lens[i] == 0 ? std::string() : std::string(buf + off, lens[i]));
    off += lens[i];
  }
  *out = wrap(list);
  LT_CATCH
}

char *lt_module_wrap(lt_module *stage, const char *class_name,
                     const char *attr, const char *source, lt_module **out) {
  LT_TRY
  if (stage == nullptr || class_name == nullptr || attr == nullptr ||
      source == nullptr || out == nullptr)
    return fail("NULL argument");
  torch::jit::Module w{c10::QualifiedName(class_name)};
  if (!w.hasattr("training"))
    w.register_attribute("training", c10::BoolType::get(), false);
  w.register_module(attr, stage->module);
  w.define(source);
  w.eval();
  *out = new_handle(w);
  LT_CATCH
}

char *lt_module_save(lt_module *m, const char *path) {
  LT_TRY
  if (m == nullptr || path == nullptr) return fail("NULL argument");
  m->module.save(path);
  LT_CATCH
}

}  // extern "C"

// ---- Native stages: what a scripted module's class does, and moving a
// ---- value between dicts without a copy ----

#include <functional>
#include <set>

#include <torch/csrc/jit/api/function_impl.h>

extern "C" {

char *lt_module_class_ops(lt_module *m, char **out) {
  LT_TRY
  if (m == nullptr || out == nullptr) return fail("NULL argument");
  std::set<std::string> kinds;
  std::function<void(torch::jit::Block *)> walk = [&](torch::jit::Block *b) {
    for (torch::jit::Node *n : b->nodes()) {
      kinds.insert(n->kind().toQualString());
      for (torch::jit::Block *sub : n->blocks()) walk(sub);
    }
  };
  for (torch::jit::Function *fn : m->module.type()->methods())
    walk(torch::jit::toGraphFunction(*fn).graph()->block());
  std::string s;
  for (const auto &k : kinds) {
    s += k;
    s += '\n';
  }
  *out = dup_str(s);
  LT_CATCH
}

char *lt_dict_put_value(lt_value *dict, const char *key, const lt_value *item) {
  LT_TRY
  if (key == nullptr || item == nullptr) return fail("NULL argument");
  auto d = dict_of(dict);
  if (!item->v.type()->isSubtypeOf(*d.valueType()))
    return fail("a " + item->v.type()->annotation_str() + " does not fit a dict of " +
                d.valueType()->annotation_str());
  d.insert_or_assign(std::string(key), item->v);
  LT_CATCH
}

}  // extern "C"
