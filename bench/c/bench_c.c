/* bench_c.c - contender (b): li_infer from C through libludwiginfer.so.
 *   json       the JSON request (req_<B>.json) in, the JSON response out
 *   tensor     the number column as a float64 li_tensor (num_<B>.f64), the
 *              rest as JSON (req_tensor_<B>.json), tensor_outputs = 1: the
 *              response's tensors are read with li_result_tensor, strings
 *              stay in the JSON
 *   json-ts,   the same on copies of the model loaded with
 *   tensor-ts  {"stages": "torchscript"}: the exported TorchScript pre- and
 *              postprocessor run, exactly the three modules (a) runs (the
 *              default runs the stages core/native reproduces in Go)
 * BENCH_LOAD_OPTIONS: li_load options JSON for the json and tensor cases
 * and the load timing (e.g. {"engine": "go"}); BENCH_TWO_CASES: load only
 * those two (a library without libtorch cannot load TorchScript stages).
 * Each case has its own copy of the model: TorchScript's profiling executor
 * specialises a module's graph on the input types it sees, so cases sharing
 * one would disturb each other (int64 vs float64 numbers, borrowed buffers).
 * Each timed call ends with the response read and the result freed.
 *
 * A model without a number column (empty <number column>) has no tensor
 * cases: the driver runs json (and json-ts) only.
 *
 *   bench_c <model dir> <data dir> <number column>  then harness.h's protocol
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ludwig_infer.h"

static const char *g_dir, *g_num_name;
static li_model *g_models[4]; /* one per case */
static char *g_req[BENCH_NBATCH], *g_treq[BENCH_NBATCH];
static size_t g_req_len[BENCH_NBATCH], g_treq_len[BENCH_NBATCH];
static double *g_num[BENCH_NBATCH];
static int64_t g_shape[BENCH_NBATCH];

static const char *const kCases[] = {"json", "tensor", "json-ts", "tensor-ts", NULL};

static li_status infer(int c, int b, li_result **res, char **err) {
  li_model *m = g_models[c];
  c %= 2;
  if (c == 0) return li_infer(m, g_req[b], g_req_len[b], NULL, 0, NULL, res, err);
  if (!g_treq[b]) { /* no number column: the tensor cases ask for one */
    fprintf(stderr, "bench_c: the model has no number column: no tensor case\n");
    return LI_ERR_INVALID_ARGUMENT;
  }
  li_tensor t = {g_num_name, LI_DTYPE_FLOAT64, 1, &g_shape[b], g_num[b],
                 (size_t)g_shape[b] * sizeof(double), 0};
  li_infer_options o = LI_INFER_OPTIONS_INIT;
  o.tensor_outputs = 1;
  return li_infer(m, g_treq[b], g_treq_len[b], &t, 1, &o, res, err);
}

static volatile size_t g_sink;

static int call(int c, int b) {
  li_result *res = NULL;
  char *err = NULL;
  if (infer(c, b, &res, &err) != LI_OK) {
    fprintf(stderr, "bench_c: %s\n", err);
    li_free(err);
    return 1;
  }
  size_t len = 0;
  const char *js = li_result_json(res, &len);
  size_t n = li_result_tensor_count(res);
  for (size_t i = 0; i < n; i++) {
    li_tensor t;
    if (li_result_tensor(res, i, &t, NULL) == LI_OK) len += t.nbytes;
  }
  g_sink += len + (size_t)(js != NULL);
  li_result_free(res);
  return 0;
}

/* The JSON of case c; for the tensor case the float32 [B, C] tensors are
 * added to the JSON as "<f>_<key>" so the driver compares like for like. */
static char *check(int c, int b) {
  li_result *res = NULL;
  char *err = NULL;
  if (infer(c, b, &res, &err) != LI_OK) {
    fprintf(stderr, "bench_c: %s\n", err);
    li_free(err);
    return NULL;
  }
  const char *js = li_result_json(res, NULL);
  size_t cap = strlen(js) + 64, len = 0;
  char *out = malloc(cap);
  len = (size_t)snprintf(out, cap, "%.*s", (int)strlen(js) - 1, js); /* without '}' */
  size_t n = li_result_tensor_count(res);
  for (size_t i = 0; i < n; i++) {
    li_tensor t;
    if (li_result_tensor(res, i, &t, NULL) != LI_OK || t.dtype != LI_DTYPE_FLOAT32 || t.ndim != 2) continue;
    const float *f = t.data;
    cap += 32 * (size_t)(t.shape[0] * t.shape[1]) + 64 + strlen(t.name);
    out = realloc(out, cap);
    char name[256];
    snprintf(name, sizeof name, "%s", t.name);
    char *sep = strstr(name, "::");
    if (sep) { sep[0] = '_'; memmove(sep + 1, sep + 2, strlen(sep + 2) + 1); }
    len += (size_t)snprintf(out + len, cap - len, "%s\"%s\":[", len > 1 ? "," : "", name);
    for (int64_t r = 0; r < t.shape[0]; r++) {
      len += (size_t)snprintf(out + len, cap - len, "%s[", r ? "," : "");
      for (int64_t k = 0; k < t.shape[1]; k++)
        len += (size_t)snprintf(out + len, cap - len, "%s%.9g", k ? "," : "", f[r * t.shape[1] + k]);
      len += (size_t)snprintf(out + len, cap - len, "]");
    }
    len += (size_t)snprintf(out + len, cap - len, "]");
  }
  snprintf(out + len, cap - len, "}");
  li_result_free(res);
  return out;
}

static int64_t load_close(void) {
  int64_t t0 = bench_now_ns();
  li_model *m = NULL;
  char *err = NULL;
  if (li_load(g_dir, getenv("BENCH_LOAD_OPTIONS"), &m, &err) != LI_OK) {
    fprintf(stderr, "bench_c: %s\n", err);
    li_free(err);
    return -1;
  }
  li_close(m);
  return bench_now_ns() - t0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: bench_c <model dir> <data dir> <number column>\n");
    return 2;
  }
  g_dir = argv[1];
  g_num_name = argv[3];
  int tensors = g_num_name[0] != '\0';
  char path[4096];
  for (int b = 0; b < BENCH_NBATCH; b++) {
    snprintf(path, sizeof path, "%s/req_%d.json", argv[2], bench_batches[b]);
    g_req[b] = bench_read_file(path, &g_req_len[b]);
    if (tensors) {
      snprintf(path, sizeof path, "%s/req_tensor_%d.json", argv[2], bench_batches[b]);
      g_treq[b] = bench_read_file(path, &g_treq_len[b]);
      snprintf(path, sizeof path, "%s/num_%d.f64", argv[2], bench_batches[b]);
      size_t n = 0;
      g_num[b] = (double *)bench_read_file(path, &n);
      g_shape[b] = (int64_t)(n / sizeof(double));
    }
    if (!g_req[b] || (tensors && (!g_treq[b] || !g_num[b]))) {
      fprintf(stderr, "bench_c: cannot read the inputs in %s (run bench/gen)\n", argv[2]);
      return 1;
    }
  }
  int64_t t0 = bench_now_ns();
  char *err = NULL;
  int64_t load_ns = 0;
  /* BENCH_ONE_MODEL: only the first model (the driver's RSS measurement of
   * one loaded model runs case "json" alone). */
  int nmodels = getenv("BENCH_ONE_MODEL") ? 1 : getenv("BENCH_TWO_CASES") ? 2 : 4;
  const char *opts = getenv("BENCH_LOAD_OPTIONS");
  for (int c = 1; c < 4; c++) g_models[c] = NULL;
  for (int c = 0; c < nmodels; c++) {
    if (li_load(g_dir, c >= 2 ? "{\"stages\": \"torchscript\"}" : opts, &g_models[c], &err) != LI_OK) {
      fprintf(stderr, "bench_c: %s\n", err);
      return 1;
    }
    if (c == 0) load_ns = bench_now_ns() - t0; /* the process's first load */
  }
  bench_ready(load_ns);
  bench_ops ops = {kCases, call, check, load_close, NULL};
  return bench_serve(&ops);
}
