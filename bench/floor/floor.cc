// floor.cc - contender (a), the floor: libtorch called directly on the
// export's three modules, no Go and no JSON. The preprocessor's input dict is
// built typed exactly as forward's schema says (as core/torch/csrc/shim.cc
// does), from the typed columns bench/gen wrote (inputs_<B>.txt: what
// ludwig-infer's featurisation produces for the same request). Each call:
// build the dict (strings copied into a List[str], number tensors read in
// place), run the three stages under InferenceMode on one intra-op thread, and
// copy every output into plain C++ containers (the outputs a caller gets).
//
//   floor <model dir> <data dir>     then the protocol of harness.h on stdin
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <torch/script.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../c/harness.h"

namespace {

struct Column {
  std::string name;
  bool strings = false;
  std::vector<std::string> str;
  c10::ScalarType dtype = c10::kDouble;
  std::vector<int64_t> shape;
  std::vector<double> f64;  // float inputs
  std::vector<int64_t> i64;  // integer inputs
};

struct Model {
  torch::jit::Module pre, pred, post;
  c10::TypePtr key_type, value_type;
};

std::string g_dir;
Model g_model;
std::vector<Column> g_inputs[BENCH_NBATCH];
std::vector<Column> g_warmup;  // ludwig-infer's warm-up rows (inputs_warmup.txt)

c10::ScalarType parse_dtype(const std::string &s) {
  if (s == "float64") return c10::kDouble;
  if (s == "float32") return c10::kFloat;
  if (s == "int64") return c10::kLong;
  if (s == "int32") return c10::kInt;
  throw std::runtime_error("bench floor: unsupported input dtype " + s);
}

std::vector<Column> read_inputs(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<Column> cols;
  std::string kind;
  while (in >> kind) {
    Column c;
    if (kind == "tensor") {
      std::string dt;
      size_t nd;
      in >> c.name >> dt >> nd;
      c.dtype = parse_dtype(dt);
      int64_t n = 1;
      for (size_t i = 0; i < nd; i++) {
        int64_t d;
        in >> d;
        c.shape.push_back(d);
        n *= d;
      }
      for (int64_t i = 0; i < n; i++) {
        std::string tok;
        in >> tok;
        if (c.dtype == c10::kDouble || c.dtype == c10::kFloat)
          c.f64.push_back(std::stod(tok));  // "NaN" parses
        else
          c.i64.push_back(std::stoll(tok));
      }
      if (c.dtype == c10::kFloat) throw std::runtime_error("float32 inputs not supported");
    } else if (kind == "strings") {
      size_t n;
      in >> c.name >> n;
      c.strings = true;
      for (size_t i = 0; i < n; i++) {
        size_t len;
        in >> len;
        in.get();  // the newline after the length
        std::string s(len, '\0');
        in.read(&s[0], static_cast<std::streamsize>(len));
        in.get();
        c.str.push_back(std::move(s));
      }
    } else {
      throw std::runtime_error("bad inputs file " + path);
    }
    cols.push_back(std::move(c));
  }
  return cols;
}

Model load_model(const std::string &dir) {
  Model m;
  m.pre = torch::jit::load(dir + "/inference_preprocessor.pt");
  m.pred = torch::jit::load(dir + "/inference_predictor-cpu.pt");
  m.post = torch::jit::load(dir + "/inference_postprocessor.pt");
  m.pre.eval();
  m.pred.eval();
  m.post.eval();
  auto t = m.pre.get_method("forward").function().getSchema().arguments()[1].type();
  auto d = t->cast<c10::DictType>();
  m.key_type = d->getKeyType();
  m.value_type = d->getValueType();
  return m;
}

// Outputs copied into plain containers, as a caller would hold them.
struct Outputs {
  std::vector<std::string> keys;
  std::vector<std::vector<char>> tensors;
  std::vector<std::vector<int64_t>> shapes;
  std::vector<c10::ScalarType> dtypes;
  std::vector<std::vector<std::string>> strings;
};

Outputs run(const Model &m, const std::vector<Column> &cols) {
  c10::InferenceMode guard;
  c10::impl::GenericDict in(m.key_type, m.value_type);
  for (const auto &c : cols) {
    if (c.strings) {
      c10::List<std::string> l;
      l.reserve(c.str.size());
      for (const auto &s : c.str) l.push_back(s);
      in.insert(c.name, std::move(l));
    } else {
      void *data = c.dtype == c10::kDouble ? (void *)c.f64.data() : (void *)c.i64.data();
      in.insert(c.name, at::from_blob(data, c.shape, at::TensorOptions().dtype(c.dtype)));
    }
  }
  auto pre = const_cast<torch::jit::Module &>(m.pre).forward({in});
  auto pred = const_cast<torch::jit::Module &>(m.pred).forward({pre});
  auto post = const_cast<torch::jit::Module &>(m.post).forward({pred});
  Outputs out;
  for (const auto &e : post.toGenericDict()) {
    out.keys.push_back(e.key().toStringRef());
    const auto &v = e.value();
    if (v.isTensor()) {
      at::Tensor t = v.toTensor().contiguous();
      const char *p = static_cast<const char *>(t.data_ptr());
      out.tensors.emplace_back(p, p + t.nbytes());
      out.shapes.emplace_back(t.sizes().begin(), t.sizes().end());
      out.dtypes.push_back(t.scalar_type());
      out.strings.emplace_back();
    } else {
      std::vector<std::string> s;
      for (const auto &x : v.toListRef()) s.push_back(x.toStringRef());
      out.strings.push_back(std::move(s));
      out.tensors.emplace_back();
      out.shapes.emplace_back();
      out.dtypes.push_back(c10::kFloat);
    }
  }
  return out;
}

const char *const kCases[] = {"floor", nullptr};

int call(int, int b) {
  try {
    Outputs o = run(g_model, g_inputs[b]);
    return o.keys.empty() ? 1 : 0;
  } catch (const std::exception &e) {
    fprintf(stderr, "floor: %s\n", e.what());
    return 1;
  }
}

std::string json_string(const std::string &s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') { o += '\\'; o += static_cast<char>(c); }
    else if (c < 0x20) { char buf[8]; snprintf(buf, sizeof buf, "\\u%04x", c); o += buf; }
    else o += static_cast<char>(c);
  }
  return o + "\"";
}

char *check(int, int b) {
  try {
    Outputs o = run(g_model, g_inputs[b]);
    std::ostringstream js;
    js.precision(9);
    js << "{";
    for (size_t i = 0; i < o.keys.size(); i++) {
      if (i) js << ",";
      std::string k = o.keys[i];
      auto p = k.rfind("::");
      if (p != std::string::npos) k = k.substr(0, p) + "_" + k.substr(p + 2);
      js << json_string(k) << ":";
      if (o.shapes[i].empty() && !o.strings[i].empty()) {
        js << "[";
        for (size_t j = 0; j < o.strings[i].size(); j++) js << (j ? "," : "") << json_string(o.strings[i][j]);
        js << "]";
      } else if (o.dtypes[i] == c10::kFloat && o.shapes[i].size() == 2) {
        const float *f = reinterpret_cast<const float *>(o.tensors[i].data());
        int64_t r = o.shapes[i][0], c = o.shapes[i][1];
        js << "[";
        for (int64_t x = 0; x < r; x++) {
          js << (x ? "," : "") << "[";
          for (int64_t y = 0; y < c; y++) js << (y ? "," : "") << f[x * c + y];
          js << "]";
        }
        js << "]";
      } else {
        js << "null";
      }
    }
    js << "}";
    return strdup(js.str().c_str());
  } catch (const std::exception &e) {
    fprintf(stderr, "floor: %s\n", e.what());
    return nullptr;
  }
}

// Load + the same warm-up ludwig-infer does (3 runs on a small batch).
int64_t load_close(void) {
  int64_t t0 = bench_now_ns();
  try {
    Model m = load_model(g_dir);
    for (int i = 0; i < 3; i++) run(m, g_warmup);
  } catch (const std::exception &e) {
    fprintf(stderr, "floor: %s\n", e.what());
    return -1;
  }
  return bench_now_ns() - t0;
}

void thread_init(void) { at::set_num_threads(1); }

}  // namespace

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: floor <model dir> <data dir>\n");
    return 2;
  }
  at::set_num_threads(1);
  g_dir = argv[1];
  try {
    for (int b = 0; b < BENCH_NBATCH; b++)
      g_inputs[b] = read_inputs(std::string(argv[2]) + "/inputs_" + std::to_string(bench_batches[b]) + ".txt");
    g_warmup = read_inputs(std::string(argv[2]) + "/inputs_warmup.txt");
    int64_t t0 = bench_now_ns();
    g_model = load_model(g_dir);
    for (int i = 0; i < 3; i++) run(g_model, g_warmup);
    bench_ready(bench_now_ns() - t0);
  } catch (const std::exception &e) {
    fprintf(stderr, "floor: %s\n", e.what());
    return 1;
  }
  bench_ops ops = {kCases, call, check, load_close, thread_init};
  return bench_serve(&ops);
}
