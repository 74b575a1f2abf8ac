// predict.cpp - libludwiginfer from C++: RAII owners for the model, results
// and error strings over the C ABI, and an exception carrying the status.
//
//   cmake -S examples/cpp -B build/cpp -DCMAKE_PREFIX_PATH=<install prefix>
//   cmake --build build/cpp && build/cpp/predict_cpp testdata/models/tabular
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "ludwig_infer.h"

namespace {

// Error is a failed call's status and message.
struct Error : std::runtime_error {
  li_status status;
  Error(li_status s, char *msg)
      : std::runtime_error(std::string(li_status_string(s)) + ": " + (msg ? msg : "")), status(s) {
    li_free(msg);
  }
};

// check throws on failure. errp is the call's err argument, read after the
// call returns (hence by address: argument evaluation order is unspecified).
void check(li_status s, char **errp) {
  if (s != LI_OK) throw Error(s, *errp);
}

struct ModelCloser {
  void operator()(li_model *m) const { li_close(m); }
};
struct ResultFreer {
  void operator()(li_result *r) const { li_result_free(r); }
};
using Model = std::unique_ptr<li_model, ModelCloser>;
using Result = std::unique_ptr<li_result, ResultFreer>;

Model load(const std::string &dir) {
  li_model *m = nullptr;
  char *err = nullptr;
  check(li_load(dir.c_str(), nullptr, &m, &err), &err);
  return Model(m);
}

Result infer(const Model &m, const std::string &request, li_form form) {
  li_infer_options opts = LI_INFER_OPTIONS_INIT;
  opts.form = form;
  li_result *r = nullptr;
  char *err = nullptr;
  check(li_infer(m.get(), request.data(), request.size(), nullptr, 0, &opts, &r, &err), &err);
  return Result(r);
}

}  // namespace

int main(int argc, char **argv) {
  std::string dir = argc > 1 ? argv[1] : "testdata/models/tabular";
  try {
    Model model = load(dir);
    Result res = infer(model,
                       R"({"Age": [34, 51.5], "city": ["Paris", "Lima"], "member": [true, null],)"
                       R"( "cell": [617703466028236799, 617703466028236799]})",
                       LI_FORM_COLUMNS);
    std::printf("%s\n", li_result_json(res.get(), nullptr));
    infer(model, R"({"Age": [1]})", LI_FORM_COLUMNS);  // throws: missing features
  } catch (const Error &e) {
    std::printf("caught %s\n", e.what());
    return e.status == LI_ERR_INPUT ? 0 : 1;
  }
  return 1;
}
