/* test_capi.c - the C ABI's contract, checked from plain C against
 * build/libludwiginfer.so and the installed header build/ludwig_infer.h.
 * Run by tests/c/run.sh (from the repository root). Expected values come
 * from testdata/golden/tabular.json, case "batch1_ints". */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "ludwig_infer.h"

static const char *MODEL = "testdata/models/tabular";
static const char *REQ =
    "{\"Age\": [34], \"city\": [\"Paris\"], \"member\": [true], \"cell\": [617703466028236799]}";
static const char *REQ_NO_AGE =
    "{\"city\": [\"Paris\"], \"member\": [true], \"cell\": [617703466028236799]}";
static const float WANT_PROBS[4] = {0.08354106545448303f, 0.21766425669193268f,
                                    0.401491641998291f, 0.29730305075645447f};

/* Runs a request; returns the status, stores the JSON copy in *json (free()). */
static li_status run(li_model *m, const char *req, const li_tensor *ts, size_t nts,
                     const li_infer_options *opts, char **json, char **err) {
  li_result *r = NULL;
  li_status st = li_infer(m, req, req ? strlen(req) : 0, ts, nts, opts, &r, err);
  if (st == LI_OK && json) *json = strdup(li_result_json(r, NULL));
  li_result_free(r);
  return st;
}

/* Checks a failed call's status and message; errp is the call's err
 * argument, read after the call (so it is passed by address). */
static void expect_error(li_status got, li_status want, char **errp, const char *needle,
                         const char *what) {
  char *err = *errp;
  *errp = NULL;
  CHECK(got == want, "%s: status %s, want %s (%s)", what, li_status_string(got),
        li_status_string(want), err ? err : "no message");
  CHECK(err != NULL && strlen(err) > 0, "%s: no error message", what);
  if (needle && err) CHECK(strstr(err, needle) != NULL, "%s: message %s lacks %s", what, err, needle);
  li_free(err);
}

static int log_count = 0;
static void on_log(li_log_level level, const char *msg, void *user) {
  (void)level;
  CHECK(user == &log_count, "log callback got the wrong user pointer");
  CHECK(msg != NULL && strlen(msg) > 0, "empty log message");
  log_count++;
}

/* LI_NOLIBTORCH=1: the library under test is ./build.sh --no-libtorch's
 * (the Go engine): no torch version, and floats within 1e-5 of the
 * goldens instead of libtorch's exact digits. */
static int no_torch(void) { return getenv("LI_NOLIBTORCH") != NULL; }

static void test_versions(void) {
  CHECK(li_abi_version() == LI_ABI_VERSION, "abi %d", li_abi_version());
  CHECK(strcmp(li_version(), LI_VERSION) == 0, "version %s", li_version());
  CHECK(no_torch() ? strlen(li_torch_version()) == 0 : strlen(li_torch_version()) > 0,
        "torch version '%s'", li_torch_version());
  CHECK(strcmp(li_status_string(LI_ERR_INPUT), "LI_ERR_INPUT") == 0, "status string");
  CHECK(strcmp(li_status_string((li_status)99), "unknown status") == 0, "unknown status");
}

static void test_null_and_free(void) {
  li_free(NULL);
  li_result_free(NULL);
  li_close(NULL);
  CHECK(li_result_json(NULL, NULL) == NULL, "json of NULL result");
  CHECK(li_result_tensor_count(NULL) == 0, "count of NULL result");
  li_model *m = (li_model *)0x1234;
  char *err = NULL;
  expect_error(li_load(NULL, NULL, &m, &err), LI_ERR_INVALID_ARGUMENT, &err, "path", "NULL path");
  CHECK(m == (li_model *)0x1234, "out-param touched on error");
  err = NULL;
  expect_error(li_load(MODEL, NULL, NULL, &err), LI_ERR_INVALID_ARGUMENT, &err, "out", "NULL out");
  /* err may be NULL: the status alone reports the failure. */
  CHECK(li_load("/nonexistent/model", NULL, &m, NULL) == LI_ERR_NOT_FOUND, "NULL err");
  li_result *r = NULL;
  err = NULL;
  expect_error(li_infer(NULL, REQ, strlen(REQ), NULL, 0, NULL, &r, &err), LI_ERR_INVALID_ARGUMENT, &err, "NULL", "NULL model");
  err = NULL;
  expect_error(li_infer((li_model *)0x42, REQ, strlen(REQ), NULL, 0, NULL, &r, &err),
               LI_ERR_CLOSED, &err, "closed", "bogus handle");
  li_close((li_model *)0x42); /* unknown handle: harmless */
}

static void test_load_errors(void) {
  li_model *m = NULL;
  char *err = NULL;
  expect_error(li_load("/nonexistent/model", NULL, &m, &err), LI_ERR_NOT_FOUND, &err,
               "/nonexistent/model", "missing dir");
  err = NULL;
  expect_error(li_load(MODEL, "{\"devcie\": \"cpu\"}", &m, &err), LI_ERR_INVALID_ARGUMENT, &err,
               "devcie", "misspelt option");
  err = NULL;
  expect_error(li_load(MODEL, "{not json", &m, &err), LI_ERR_INVALID_ARGUMENT, &err, NULL,
               "malformed options");
  err = NULL;
  expect_error(li_load(MODEL, "{\"device\": \"tpu\"}", &m, &err), LI_ERR_INVALID_ARGUMENT, &err,
               "tpu", "unknown device");
  /* A corrupt and a truncated predictor. */
  char dir[] = "/tmp/li_ctest_XXXXXX";
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  char path[512];
  snprintf(path, sizeof path, "%s/inference_predictor-cpu.pt", dir);
  FILE *f = fopen(path, "wb");
  fputs("this is not a zip archive", f);
  fclose(f);
  err = NULL;
  expect_error(li_load(dir, NULL, &m, &err), LI_ERR_MODEL, &err, "inference_predictor-cpu.pt",
               "corrupt predictor");
  FILE *src = fopen("testdata/models/tabular/inference_predictor-cpu.pt", "rb");
  f = fopen(path, "wb");
  char buf[4096];
  size_t n = fread(buf, 1, sizeof buf, src); /* the first 4 KiB only */
  fwrite(buf, 1, n, f);
  fclose(f);
  fclose(src);
  err = NULL;
  expect_error(li_load(dir, NULL, &m, &err), LI_ERR_MODEL, &err, "cannot load", "truncated predictor");
  remove(path);
  rmdir(dir);
}

static void check_probs(const li_tensor *t) {
  CHECK(t->dtype == LI_DTYPE_FLOAT32, "dtype %d", t->dtype);
  CHECK(t->ndim == 2 && t->shape[0] == 1 && t->shape[1] == 4, "shape");
  CHECK(t->nbytes == 16, "nbytes %zu", t->nbytes);
  const float *p = t->data;
  for (int i = 0; i < 4; i++)
    CHECK(fabsf(p[i] - WANT_PROBS[i]) <= 1e-5f + 1e-5f * fabsf(WANT_PROBS[i]), "prob %d: %g", i, p[i]);
}

static void test_infer(li_model *m) {
  char *json = NULL, *err = NULL;
  li_status st = run(m, REQ, NULL, 0, NULL, &json, &err);
  CHECK(st == LI_OK, "infer: %s", err);
  CHECK(json && strstr(json, "\"plan_predictions\":[\"plus\"]"), "columns JSON: %s", json);
  char *columns = json;

  /* The full form adds probability columns, labels from idx2str. */
  li_infer_options opts = LI_INFER_OPTIONS_INIT;
  opts.form = LI_FORM_FULL;
  json = NULL;
  CHECK(run(m, REQ, NULL, 0, &opts, &json, NULL) == LI_OK, "full");
  if (no_torch())
    CHECK(json && strstr(json, "\"plan_probabilities_<UNK>\":[0.0835410") && strstr(json, "\"plan_probability\":[0.401491"),
          "full JSON: %s", json);
  else
    CHECK(json && strstr(json, "\"plan_probabilities_<UNK>\":[0.083541065]") && strstr(json, "\"plan_probability\":[0.40149164]"),
          "full JSON: %s", json);
  free(json);

  /* Tensor outputs. */
  opts = (li_infer_options)LI_INFER_OPTIONS_INIT;
  opts.tensor_outputs = 1;
  li_result *r = NULL;
  CHECK(li_infer(m, REQ, strlen(REQ), NULL, 0, &opts, &r, &err) == LI_OK, "tensor outputs");
  CHECK(li_result_tensor_count(r) == 1, "one tensor");
  li_tensor t;
  CHECK(li_result_tensor(r, 0, &t, NULL) == LI_OK, "read tensor");
  CHECK(strcmp(t.name, "plan::probabilities") == 0, "tensor name %s", t.name);
  check_probs(&t);
  err = NULL;
  expect_error(li_result_tensor(r, 1, &t, &err), LI_ERR_INVALID_ARGUMENT, &err, "range", "index");
  li_result_free(r);

  /* A caller-owned tensor buffer for the number column gives the same answer. */
  double age = 34.0;
  int64_t shape[1] = {1};
  li_tensor in = {"age", LI_DTYPE_FLOAT64, 1, shape, &age, sizeof age, 0};
  json = NULL;
  CHECK(run(m, REQ_NO_AGE, &in, 1, NULL, &json, &err) == LI_OK, "tensor input: %s", err);
  CHECK(json && strcmp(json, columns) == 0, "tensor input: %s vs %s", json, columns);
  free(json);

  /* Staged: preprocess -> predict -> postprocess, tensors crossing. */
  li_result *pre = NULL, *pred = NULL;
  opts = (li_infer_options)LI_INFER_OPTIONS_INIT;
  opts.stage = LI_STAGE_PREPROCESS;
  opts.tensor_outputs = 1;
  CHECK(li_infer(m, REQ, strlen(REQ), NULL, 0, &opts, &pre, NULL) == LI_OK, "preprocess");
  size_t npre = li_result_tensor_count(pre);
  CHECK(npre == 4, "4 preprocessed tensors, got %zu", npre);
  li_tensor pts[8];
  for (size_t i = 0; i < npre && i < 8; i++) li_result_tensor(pre, i, &pts[i], NULL);
  opts.stage = LI_STAGE_PREDICT;
  CHECK(li_infer(m, NULL, 0, pts, npre, &opts, &pred, &err) == LI_OK, "predict: %s", err);
  size_t npred = li_result_tensor_count(pred);
  li_tensor dts[8];
  for (size_t i = 0; i < npred && i < 8; i++) li_result_tensor(pred, i, &dts[i], NULL);
  opts.stage = LI_STAGE_POSTPROCESS;
  opts.tensor_outputs = 0;
  json = NULL;
  CHECK(run(m, NULL, dts, npred, &opts, &json, &err) == LI_OK, "postprocess: %s", err);
  CHECK(json && strcmp(json, columns) == 0, "staged: %s vs %s", json, columns);
  free(json);
  li_result_free(pre);
  li_result_free(pred);
  free(columns);
}

static void test_infer_errors(li_model *m) {
  char *err = NULL;
  li_result *r = (li_result *)0x99;
  expect_error(li_infer(m, "{\"Age\": [1,", 11, NULL, 0, NULL, &r, &err), LI_ERR_INPUT, &err,
               "malformed JSON", "malformed JSON");
  CHECK(r == (li_result *)0x99, "out-param touched on error");
  err = NULL;
  expect_error(run(m, REQ_NO_AGE, NULL, 0, NULL, NULL, &err), LI_ERR_INPUT, &err,
               "missing input feature \"age\"", "missing feature");
  err = NULL;
  expect_error(run(m, "{\"Age\": [\"old\"], \"city\": [\"Paris\"], \"member\": [true], \"cell\": [1]}",
                   NULL, 0, NULL, NULL, &err),
               LI_ERR_INPUT, &err, "input feature \"age\" (number), row 0: expected a number, got string \"old\"",
               "wrong type");
  err = NULL;
  expect_error(run(m, "{\"Age\": [1, 2], \"city\": [\"a\"]}", NULL, 0, NULL, NULL, &err), LI_ERR_INPUT, &err, "has 1 values", "ragged columns");
  li_infer_options opts = LI_INFER_OPTIONS_INIT;
  opts.struct_size = 4;
  err = NULL;
  expect_error(run(m, REQ, NULL, 0, &opts, NULL, &err), LI_ERR_INVALID_ARGUMENT, &err, "struct_size",
               "struct size");
  opts = (li_infer_options)LI_INFER_OPTIONS_INIT;
  opts.form = (li_form)7;
  err = NULL;
  expect_error(run(m, REQ, NULL, 0, &opts, NULL, &err), LI_ERR_INVALID_ARGUMENT, &err, "form", "form");
  double age = 34.0;
  int64_t shape[1] = {2};
  li_tensor bad = {"age", LI_DTYPE_FLOAT64, 1, shape, &age, sizeof age, 0};
  err = NULL;
  expect_error(run(m, REQ_NO_AGE, &bad, 1, NULL, NULL, &err), LI_ERR_INVALID_ARGUMENT, &err, "needs 16 bytes",
               "nbytes mismatch");
  li_tensor noname = {NULL, LI_DTYPE_FLOAT64, 1, shape, &age, sizeof age, 0};
  err = NULL;
  expect_error(run(m, REQ_NO_AGE, &noname, 1, NULL, NULL, &err), LI_ERR_INVALID_ARGUMENT, &err, "name is NULL",
               "NULL name");
  li_tensor nodata = {"age", LI_DTYPE_FLOAT64, 1, shape, NULL, 16, 0};
  err = NULL;
  expect_error(run(m, REQ_NO_AGE, &nodata, 1, NULL, NULL, &err), LI_ERR_INVALID_ARGUMENT, &err, "data is NULL",
               "NULL data");
  err = NULL;
  expect_error(li_infer(m, NULL, 5, NULL, 0, NULL, &r, &err), LI_ERR_INVALID_ARGUMENT, &err, "request is NULL",
               "NULL request");
  err = NULL;
  expect_error(li_set_threads(2, &err), LI_ERR_INVALID_ARGUMENT, &err, "before the first model",
               "threads after load");
}

struct worker {
  li_model *m;
  const char *want;
  int bad;
};

static void *work(void *arg) {
  struct worker *w = arg;
  for (int i = 0; i < 100; i++) {
    char *json = NULL;
    if (run(w->m, REQ, NULL, 0, NULL, &json, NULL) != LI_OK || strcmp(json, w->want) != 0) w->bad++;
    free(json);
  }
  return NULL;
}

static void test_threads(li_model *m) {
  char *want = NULL;
  run(m, REQ, NULL, 0, NULL, &want, NULL);
  pthread_t th[8];
  struct worker ws[8];
  for (int i = 0; i < 8; i++) {
    ws[i] = (struct worker){m, want, 0};
    pthread_create(&th[i], NULL, work, &ws[i]);
  }
  for (int i = 0; i < 8; i++) {
    pthread_join(th[i], NULL);
    CHECK(ws[i].bad == 0, "thread %d: %d bad results", i, ws[i].bad);
  }
  free(want);
}

static void test_info(li_model *m) {
  char *info = NULL, *err = NULL;
  CHECK(li_model_info(m, &info, &err) == LI_OK, "info");
  CHECK(info && strstr(info, "\"name\":\"age\"") && strstr(info, "\"column\":\"Age\""), "info: %s", info);
  CHECK(info && strstr(info, "\"labels\":[\"<UNK>\",\"premium\",\"plus\",\"basic\"]"), "labels: %s", info);
  li_free(info);
  err = NULL;
  expect_error(li_model_info(m, NULL, &err), LI_ERR_INVALID_ARGUMENT, &err, "out_json", "NULL out_json");
}

/* A model folder saved by Ludwig 0.17.10 with its model.pt2 (the graph
 * runs in Go in both builds): LudwigModel.predict's columns, in its order,
 * values within 1e-5 of its own (testdata/ludwig_model/concat/golden.json,
 * first row). */
static const char *LUDWIG_FOLDER = "testdata/ludwig_model/concat";
static const char *LUDWIG_REQ =
    "{\"yes_no\": [\"No\"], \"num_z\": [1.0778305359904163], \"num_mm\": [3.4200913554129837], "
    "\"city\": [\"Paris\"], \"tags\": [\"c\"], \"words\": [\"dog blue \xc3\xa9" "t\xc3\xa9\"]}";

static void test_ludwig_model(void) {
  static const char *columns[] = {
      "out_bin_probabilities", "out_bin_predictions", "out_num_predictions", "out_cat_predictions",
      "out_cat_probabilities", "out_set_predictions", "out_set_probabilities",
      "out_bin_probabilities_False", "out_bin_probabilities_True", "out_bin_probability",
      "out_cat_probability", "out_cat_probabilities_mid", "out_cat_probabilities_high",
      "out_cat_probabilities_low"};
  static const char *values[] = {
      "\"out_bin_probabilities\":[[0.203509", "\"out_bin_predictions\":[true]",
      "\"out_num_predictions\":[17.3163", "\"out_cat_predictions\":[\"low\"]",
      "\"out_cat_probabilities\":[[0.10505", "\"out_set_predictions\":[[\"p\",\"<UNK>\"]]",
      "\"out_set_probabilities\":[[0.7565", "\"out_cat_probabilities_low\":[0.706025"};
  char *err = NULL;
  char opts_json[256];
  snprintf(opts_json, sizeof opts_json, "{\"graph\": \"%s/model.pt2\"}", LUDWIG_FOLDER);
  for (int pass = 0; pass < 2; pass++) {
    li_model *m = NULL;
    li_status st = li_load(LUDWIG_FOLDER, pass ? opts_json : NULL, &m, &err);
    CHECK(st == LI_OK, "load %s (pass %d): %s", LUDWIG_FOLDER, pass, err);
    if (st != LI_OK) {
      li_free(err);
      return;
    }
    char *info = NULL;
    CHECK(li_model_info(m, &info, NULL) == LI_OK, "info");
    CHECK(info && strstr(info, "\"kind\":\"ludwig_model\"") && strstr(info, "\"batch\":{\"fixed\":2}") &&
              strstr(info, "\"ludwig_version\":\"0.17.10\""),
          "ludwig model info: %s", info);
    li_free(info);
    li_infer_options opts = LI_INFER_OPTIONS_INIT;
    opts.form = LI_FORM_FULL;
    char *json = NULL;
    CHECK(run(m, LUDWIG_REQ, NULL, 0, &opts, &json, &err) == LI_OK, "ludwig full: %s", err);
    const char *at = json;
    for (size_t i = 0; json && i < sizeof columns / sizeof *columns; i++) {
      char key[64];
      snprintf(key, sizeof key, "\"%s\":", columns[i]);
      const char *p = strstr(json, key);
      CHECK(p != NULL && p >= at, "column %s missing or out of order: %s", columns[i], json);
      if (p) at = p;
    }
    for (size_t i = 0; json && i < sizeof values / sizeof *values; i++)
      CHECK(strstr(json, values[i]) != NULL, "full lacks %s: %s", values[i], json);
    free(json);
    json = NULL;
    CHECK(run(m, LUDWIG_REQ, NULL, 0, NULL, &json, &err) == LI_OK, "ludwig columns: %s", err);
    CHECK(json && strstr(json, "\"out_cat_probabilities\":[[0.10505") && !strstr(json, "out_cat_probability\"") &&
              !strstr(json, "out_bin_probabilities_True"),
          "columns form: %s", json);
    free(json);
    li_close(m);
  }
  li_model *m = NULL;
  err = NULL;
  expect_error(li_load(LUDWIG_FOLDER, "{\"engine\": \"libtorch\"}", &m, &err), LI_ERR_INVALID_ARGUMENT, &err,
               "always runs in Go", "ludwig model with engine libtorch");
}

int main(void) {
  test_versions();
  test_null_and_free();
  char *err = NULL;
  CHECK(li_set_threads(0, &err) == LI_ERR_INVALID_ARGUMENT, "0 threads");
  li_free(err);
  CHECK(li_set_threads(1, NULL) == LI_OK, "set threads before load");
  li_set_log_callback(on_log, &log_count, LI_LOG_DEBUG);
  test_load_errors();
  li_model *m = NULL;
  li_status st = li_load(MODEL, "{\"device\": \"cpu\", \"warmup\": true}", &m, &err);
  CHECK(st == LI_OK, "load: %s", err);
  if (st != LI_OK) return 1;
  CHECK(log_count > 0, "no log message at load");
  li_set_log_callback(NULL, NULL, LI_LOG_DEBUG);
  test_info(m);
  test_infer(m);
  test_infer_errors(m);
  test_threads(m);
  li_close(m);
  li_close(m); /* double close: harmless */
  li_result *r = NULL;
  err = NULL;
  expect_error(li_infer(m, REQ, strlen(REQ), NULL, 0, NULL, &r, &err), LI_ERR_CLOSED, &err, "closed",
               "infer after close");
  /* Every predictor file name form loads. */
  const char *variants[] = {"testdata/models/tabular_cuda0", "testdata/models/tabular_underscore"};
  for (int i = 0; i < 2; i++) {
    li_model *v = NULL;
    CHECK(li_load(variants[i], "{\"warmup\": false}", &v, NULL) == LI_OK, "load %s", variants[i]);
    char *json = NULL;
    CHECK(run(v, REQ, NULL, 0, NULL, &json, NULL) == LI_OK && strstr(json, "plus"), "%s", variants[i]);
    free(json);
    li_close(v);
  }
  test_ludwig_model();
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
