/* stress.c - concurrency stress of the C ABI (tests/reliability/run.sh).
 *
 *  1. Many threads x many li_infer calls on one model, mixing valid and
 *     invalid requests (every JSON form and output form, tensor buffers,
 *     staged calls, malformed JSON, wrong types, bad tensors, bad options):
 *     every answer - status, and JSON bytes or error message - must equal
 *     the one the same request got in a sequential run first.
 *  2. Models loaded and closed concurrently (every test export), with
 *     li_model_info and a call on each, while the shared model keeps
 *     serving; and a model closed while calls on it are in flight: those
 *     calls answer LI_OK or LI_ERR_CLOSED, nothing else.
 *
 *   stress <repo root> <threads> <calls per thread> <load threads> <load cycles>
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ludwig_infer.h"

typedef struct {
  const char *json; /* NULL: no JSON */
  int stage, form, tensor_outputs;
  int tensor; /* 0 none, 1 Age float64 [2], 2 Age with a wrong nbytes, 3 Age int64 [2] with a negative dim,
                 4 Age float32 [2, 2^61+1] in 8 bytes (a byte count that wraps int64: it poisoned the library
                 before tensor.Validate checked it) */
} request;

#define ROW2 "\"city\": [\"Paris\", \"Reykjavik\"], \"member\": [true, null], \"cell\": [617703466028236799, 622236723497533439]"
static const request REQS[] = {
    /* valid */
    {"{\"Age\": [34], \"city\": [\"Paris\"], \"member\": [true], \"cell\": [617703466028236799]}", 0, 1, 0, 0},
    {"{\"Age\": [51.5, 28], \"city\": [\"Reykjavik\", \" London \"], \"member\": [false, true], \"cell\": [622236723497533439, 624008872107900927]}", 0, 0, 0, 0},
    {"{\"Age\": [null, 40, 19, 65, 33], \"city\": [null, \"\", \"Berlin\", \"Tokyo\", \"paris\"], \"member\": [null, true, false, true, false], \"cell\": [599439121542283263, 608735138506866687, 617703466028236799, 622236723497533439, 624008872107900927]}", 0, 2, 0, 0},
    {"[{\"Age\": 22, \"city\": \"Tokyo\", \"member\": \"yes\", \"cell\": 624008872107900927}, {\"Age\": 90, \"city\": \"CAF\\u00c9\", \"member\": \"No\", \"cell\": 599439121542283263}]", 0, 1, 0, 0},
    {"{\"columns\": [\"Age\", \"city\", \"member\", \"cell\"], \"data\": [[45, 7, 1, 622236723497533439]]}", 0, 2, 1, 0},
    {"{" ROW2 "}", 0, 1, 0, 1},
    {"{" ROW2 "}", 0, 0, 1, 1},
    {"{\"Age\": [34], \"city\": [\"Paris\"], \"member\": [true], \"cell\": [617703466028236799]}", 1, 1, 0, 0},
    {"{\"age\": {\"dtype\": \"float32\", \"shape\": [1], \"data\": [0.5]}, \"city\": {\"dtype\": \"int32\", \"shape\": [1], \"data\": [1]}, \"member\": {\"dtype\": \"float32\", \"shape\": [1], \"data\": [1]}, \"cell\": {\"dtype\": \"uint8\", \"shape\": [1, 19], \"data\": [1,0,9,20,1,4,0,3,6,2,5,1,0,7,7,7,7,7,7]}}", 2, 1, 0, 0},
    {"{\"plan::predictions\": {\"dtype\": \"int64\", \"shape\": [1], \"data\": [2]}, \"plan::probabilities\": {\"dtype\": \"float32\", \"shape\": [1, 4], \"data\": [0.1, 0.2, 0.3, 0.4]}, \"plan::logits\": {\"dtype\": \"float32\", \"shape\": [1, 4], \"data\": [1, 2, 3, 4]}}", 3, 2, 0, 0},
    /* invalid */
    {"{\"Age\": [1", 0, 1, 0, 0},
    {"{\"Age\": [[34]], \"city\": [\"Paris\"], \"member\": [true], \"cell\": [617703466028236799]}", 0, 1, 0, 0},
    {"{\"city\": [\"Paris\"], \"member\": [true], \"cell\": [617703466028236799]}", 0, 1, 0, 0},
    {"{\"Age\": [1, 2], \"city\": [\"Paris\"], \"member\": [true], \"cell\": [617703466028236799]}", 0, 1, 0, 0},
    {"null", 0, 1, 0, 0},
    {"{\"Age\": [34], " ROW2 "}", 0, 1, 0, 1},
    {"{" ROW2 "}", 0, 1, 0, 2},
    {"{" ROW2 "}", 0, 1, 0, 3},
    {"{\"Age\": [34], \"city\": [\"Paris\"], \"member\": [true], \"cell\": [617703466028236799]}", 9, 1, 0, 0},
    {"{\"Age\": [34], \"city\": [\"Paris\"], \"member\": [true], \"cell\": [\"not an h3 id\"]}", 0, 1, 0, 0},
    {"{\"x\": {\"dtype\": \"float32\", \"shape\": [2], \"data\": [1]}}", 2, 1, 0, 0},
    {"{" ROW2 "}", 0, 1, 0, 4},
};
#define NREQ (sizeof REQS / sizeof REQS[0])

static li_model *g_model;
static char *g_expect[NREQ];
static li_status g_expect_st[NREQ];
static atomic_long g_mismatch, g_calls;

static const double AGES[2] = {34, 51.5};
static const int64_t AGE_SHAPE[1] = {2};
static const int64_t BAD_SHAPE[1] = {-2};
static const int64_t WRAP_SHAPE[2] = {2, ((int64_t)1 << 61) + 1};

/* Runs request i; returns the status and a malloc'd answer (JSON, then the
 * tensors' bytes in hex, or the error message). */
static li_status run(li_model *m, size_t i, char **answer) {
  const request *r = &REQS[i];
  li_infer_options o = LI_INFER_OPTIONS_INIT;
  o.stage = (li_stage)r->stage;
  o.form = (li_form)r->form;
  o.tensor_outputs = r->tensor_outputs;
  li_tensor t = {"Age", LI_DTYPE_FLOAT64, 1, AGE_SHAPE, AGES, sizeof AGES, 0};
  if (r->tensor == 2) t.nbytes = 12;
  if (r->tensor == 3) { t.dtype = LI_DTYPE_INT64; t.shape = BAD_SHAPE; }
  if (r->tensor == 4) { t.dtype = LI_DTYPE_FLOAT32; t.ndim = 2; t.shape = WRAP_SHAPE; t.nbytes = 8; }
  li_result *res = NULL;
  char *err = NULL;
  li_status st = li_infer(m, r->json, r->json ? strlen(r->json) : 0, r->tensor ? &t : NULL, r->tensor ? 1 : 0,
                          &o, &res, &err);
  if (st != LI_OK) {
    *answer = err;
    return st;
  }
  size_t len = 0;
  const char *js = li_result_json(res, &len);
  size_t cap = len + 1, n = li_result_tensor_count(res);
  for (size_t k = 0; k < n; k++) {
    li_tensor x;
    if (li_result_tensor(res, k, &x, NULL) == LI_OK) cap += 2 * x.nbytes + strlen(x.name) + 2;
  }
  char *a = malloc(cap);
  memcpy(a, js, len);
  size_t at = len;
  for (size_t k = 0; k < n; k++) {
    li_tensor x;
    if (li_result_tensor(res, k, &x, NULL) != LI_OK) continue;
    a[at++] = '|';
    memcpy(a + at, x.name, strlen(x.name));
    at += strlen(x.name);
    a[at++] = '=';
    for (size_t b = 0; b < x.nbytes; b++) at += (size_t)sprintf(a + at, "%02x", ((const unsigned char *)x.data)[b]);
  }
  a[at] = 0;
  li_result_free(res);
  *answer = a;
  return st;
}

typedef struct {
  int id, calls;
} worker_arg;

static void *worker(void *p) {
  worker_arg *w = p;
  uint64_t x = 0x9E3779B97F4A7C15ull * (uint64_t)(w->id + 1);
  for (int c = 0; c < w->calls; c++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    size_t i = x % NREQ;
    char *a = NULL;
    li_status st = run(g_model, i, &a);
    if (st != g_expect_st[i] || strcmp(a ? a : "", g_expect[i] ? g_expect[i] : "") != 0) {
      if (atomic_fetch_add(&g_mismatch, 1) < 5)
        fprintf(stderr, "MISMATCH thread %d request %zu: %s %.300s\n   sequential: %s %.300s\n", w->id, i,
                li_status_string(st), a ? a : "", li_status_string(g_expect_st[i]), g_expect[i] ? g_expect[i] : "");
    }
    atomic_fetch_add(&g_calls, 1);
    if (st == LI_OK) free(a); else li_free(a);
  }
  return NULL;
}

/* Every export under testdata/models that loads with default options. */
static const char *MODELS[] = {"tabular", "binary_plain", "binary_yesno", "date_input", "multi_output", "regression",
                               "sequence_output", "text_output", "set_bag_vector", "text_category", "timeseries_input",
                               "tabular_underscore", "model_only"};
#define NMODELS (sizeof MODELS / sizeof MODELS[0])
static const char *g_root;
static atomic_long g_load_fail, g_loads;

typedef struct {
  int id, cycles;
} loader_arg;

static void *loader(void *p) {
  loader_arg *l = p;
  char path[4096];
  for (int c = 0; c < l->cycles; c++) {
    const char *name = MODELS[(size_t)(l->id + c) % NMODELS];
    snprintf(path, sizeof path, "%s/testdata/models/%s", g_root, name);
    li_model *m = NULL;
    char *err = NULL;
    if (li_load(path, NULL, &m, &err) != LI_OK) {
      fprintf(stderr, "load %s: %s\n", name, err);
      li_free(err);
      atomic_fetch_add(&g_load_fail, 1);
      continue;
    }
    char *info = NULL;
    if (li_model_info(m, &info, &err) != LI_OK) {
      fprintf(stderr, "info %s: %s\n", name, err);
      li_free(err);
      atomic_fetch_add(&g_load_fail, 1);
    }
    li_free(info);
    if (strcmp(name, "tabular") == 0) {
      char *a = NULL;
      li_status st = run(m, 0, &a);
      if (st != LI_OK || strcmp(a, g_expect[0]) != 0) {
        fprintf(stderr, "fresh tabular model answered differently: %s\n", a);
        atomic_fetch_add(&g_load_fail, 1);
      }
      if (st == LI_OK) free(a); else li_free(a);
    }
    li_close(m);
    li_close(m); /* twice: a no-op */
    atomic_fetch_add(&g_loads, 1);
  }
  return NULL;
}

static li_model *g_doomed;
static atomic_int g_doomed_closed;
static atomic_long g_doomed_bad;

static void *doomed_worker(void *p) {
  (void)p;
  for (;;) {
    int closed_before = atomic_load(&g_doomed_closed);
    char *a = NULL;
    li_status st = run(g_doomed, 0, &a);
    if (st == LI_OK) free(a); else li_free(a);
    if (st != LI_OK && st != LI_ERR_CLOSED) {
      fprintf(stderr, "in-flight call on a closing model: %s\n", li_status_string(st));
      atomic_fetch_add(&g_doomed_bad, 1);
    }
    if (closed_before && st == LI_OK) {
      fprintf(stderr, "a call that started after li_close succeeded\n");
      atomic_fetch_add(&g_doomed_bad, 1);
    }
    if (st == LI_ERR_CLOSED) return NULL;
  }
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: stress <repo root> <threads> <calls per thread> <load threads> <load cycles>\n");
    return 2;
  }
  g_root = argv[1];
  int threads = atoi(argv[2]), calls = atoi(argv[3]), lthreads = atoi(argv[4]), cycles = atoi(argv[5]);
  if (threads > 256) threads = 256;
  if (lthreads > 64) lthreads = 64;
  char path[4096];
  snprintf(path, sizeof path, "%s/testdata/models/tabular", g_root);
  char *err = NULL;
  if (li_load(path, NULL, &g_model, &err) != LI_OK) {
    fprintf(stderr, "li_load: %s\n", err);
    return 1;
  }
  int ok = 0;
  for (size_t i = 0; i < NREQ; i++) {
    g_expect_st[i] = run(g_model, i, &g_expect[i]);
    ok += g_expect_st[i] == LI_OK;
  }
  printf("stress: %zu requests, %d valid, %zu invalid (sequential answers recorded)\n", NREQ, ok, NREQ - (size_t)ok);

  /* 1 + 2 at once: calls on the shared model while models load and close. */
  double t0 = now();
  pthread_t tid[256], lid[64];
  worker_arg wa[256];
  loader_arg la[64];
  for (int i = 0; i < threads; i++) {
    wa[i] = (worker_arg){i, calls};
    pthread_create(&tid[i], NULL, worker, &wa[i]);
  }
  for (int i = 0; i < lthreads; i++) {
    la[i] = (loader_arg){i, cycles};
    pthread_create(&lid[i], NULL, loader, &la[i]);
  }
  for (int i = 0; i < threads; i++) pthread_join(tid[i], NULL);
  for (int i = 0; i < lthreads; i++) pthread_join(lid[i], NULL);
  double el = now() - t0;
  printf("stress: %ld calls from %d threads in %.1f s (%.0f calls/s), %ld mismatches\n", atomic_load(&g_calls), threads,
         el, atomic_load(&g_calls) / el, atomic_load(&g_mismatch));
  printf("stress: %ld loads/closes from %d threads, %ld failures\n", atomic_load(&g_loads), lthreads,
         atomic_load(&g_load_fail));

  /* 3. close while calls are in flight. */
  if (li_load(path, "{\"warmup\": false}", &g_doomed, &err) != LI_OK) {
    fprintf(stderr, "li_load: %s\n", err);
    return 1;
  }
  pthread_t did[4];
  for (int i = 0; i < 4; i++) pthread_create(&did[i], NULL, doomed_worker, NULL);
  struct timespec d = {0, 50 * 1000 * 1000};
  nanosleep(&d, NULL);
  li_close(g_doomed);
  atomic_store(&g_doomed_closed, 1);
  for (int i = 0; i < 4; i++) pthread_join(did[i], NULL);
  printf("stress: closed a model under 4 calling threads: %ld bad answers\n", atomic_load(&g_doomed_bad));

  for (size_t i = 0; i < NREQ; i++) {
    if (g_expect_st[i] == LI_OK) free(g_expect[i]); else li_free(g_expect[i]);
  }
  li_close(g_model);
  int failed = atomic_load(&g_mismatch) || atomic_load(&g_load_fail) || atomic_load(&g_doomed_bad) ||
               atomic_load(&g_calls) != (long)threads * calls;
  printf("stress: %s\n", failed ? "FAILED" : "ok");
  return failed;
}
