/* memcheck.c - the C ABI's memory behaviour, for valgrind (memcheck) or
 * ASan/LSan (tests/reliability/memcheck.sh runs it):
 *
 *   1. <cycles> x (li_load, li_model_info, li_infer in every way - JSON,
 *      tensor buffer with tensor outputs, staged, failing calls - every
 *      result and message freed, li_close), alternating between two
 *      exports, with the log callback on;
 *   2. <calls> li_infer calls on one loaded model, valid and invalid mixed.
 *
 * Everything the library returns is freed; at exit nothing of ours may be
 * lost. It prints its RSS after each phase, and with RSS_LIMIT_KB set fails
 * when the calls phase grows it by more (native runs).
 *
 *   memcheck <repo root> <cycles> <calls>
 */
#define _POSIX_C_SOURCE 200809L
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ludwig_infer.h"

static const char *REQ = "{\"Age\": [34, null], \"city\": [\"Paris\", 7], \"member\": [true, \"no\"], "
                         "\"cell\": [617703466028236799, 622236723497533439]}";
static const char *TREQ = "{\"city\": [\"Paris\", \"Rome\"], \"member\": [true, false], "
                          "\"cell\": [617703466028236799, 617703466028236799]}";
static const char *PREDICT = "{\"age\": {\"dtype\": \"float32\", \"shape\": [1], \"data\": [0.5]}, "
                             "\"city\": {\"dtype\": \"int32\", \"shape\": [1], \"data\": [1]}, "
                             "\"member\": {\"dtype\": \"float32\", \"shape\": [1], \"data\": [1]}, "
                             "\"cell\": {\"dtype\": \"uint8\", \"shape\": [1, 19], \"data\": "
                             "[1,0,9,20,1,4,0,3,6,2,5,1,0,7,7,7,7,7,7]}}";
static const char *BAD[] = {"{\"Age\": [1", "{\"Age\": [[1]], \"city\": [\"a\"], \"member\": [true], \"cell\": [1]}",
                            "null", "{\"city\": [\"a\"]}"};

static long failures = 0;
static long log_lines = 0;

static void on_log(li_log_level level, const char *msg, void *user) {
  (void)level;
  (void)msg;
  (void)user;
  log_lines++;
}

/* Bytes of the C heap in use (glibc): every C allocation of the library and
 * libtorch, none of the Go heap. */
static long heap_kb(void) {
  struct mallinfo2 mi = mallinfo2();
  return (long)(mi.uordblks / 1024);
}

static long rss_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = -1;
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "VmRSS:", 6) == 0) kb = strtol(line + 6, NULL, 10);
  if (f) fclose(f);
  return kb;
}

/* One call; the result (JSON and tensors read) or the message is freed.
 * want_ok: 1 must succeed, 0 must fail. */
static void call(li_model *m, const char *req, const li_tensor *ts, size_t nts, li_stage stage, int tensor_outputs,
                 int want_ok) {
  li_infer_options o = LI_INFER_OPTIONS_INIT;
  o.stage = stage;
  o.tensor_outputs = tensor_outputs;
  o.form = LI_FORM_FULL;
  li_result *r = NULL;
  char *err = NULL;
  li_status st = li_infer(m, req, req ? strlen(req) : 0, ts, nts, &o, &r, &err);
  if ((st == LI_OK) != want_ok) {
    fprintf(stderr, "memcheck: unexpected %s: %s\n", li_status_string(st), err ? err : "");
    failures++;
  }
  if (st == LI_OK) {
    volatile size_t sum = strlen(li_result_json(r, NULL));
    for (size_t i = 0; i < li_result_tensor_count(r); i++) {
      li_tensor t;
      if (li_result_tensor(r, i, &t, NULL) == LI_OK)
        for (size_t b = 0; b < t.nbytes; b++) sum += ((const unsigned char *)t.data)[b];
    }
    (void)sum;
  }
  li_result_free(r);
  li_free(err);
}

static void exercise(li_model *m, long i) {
  static const double ages[2] = {34, 51.5};
  static const int64_t shape[1] = {2};
  li_tensor age = {"Age", LI_DTYPE_FLOAT64, 1, shape, ages, sizeof ages, 0};
  switch (i % 6) {
    case 0: call(m, REQ, NULL, 0, LI_STAGE_ALL, 0, 1); break;
    case 1: call(m, TREQ, &age, 1, LI_STAGE_ALL, 1, 1); break;
    case 2: call(m, REQ, NULL, 0, LI_STAGE_PREPROCESS, 1, 1); break;
    case 3: call(m, PREDICT, NULL, 0, LI_STAGE_PREDICT, 0, 1); break;
    case 4: call(m, BAD[(i / 6) % 4], NULL, 0, LI_STAGE_ALL, 0, 0); break;
    case 5: {
      li_tensor bad = age;
      bad.nbytes = 3;
      call(m, TREQ, &bad, 1, LI_STAGE_ALL, 0, 0);
      break;
    }
  }
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: memcheck <repo root> <cycles> <calls>\n");
    return 2;
  }
  long cycles = atol(argv[2]), calls = atol(argv[3]);
  char tab[4096], other[4096];
  snprintf(tab, sizeof tab, "%s/testdata/models/tabular", argv[1]);
  snprintf(other, sizeof other, "%s/testdata/models/text_category", argv[1]);
  li_set_log_callback(on_log, NULL, LI_LOG_DEBUG);
  char *err = NULL;
  long rss0 = rss_kb(), rss_half = -1, heap_half = -1;
  for (long c = 0; c < cycles; c++) {
    if (c == cycles / 2) {
      rss_half = rss_kb();
      heap_half = heap_kb();
    }
    li_model *m = NULL;
    const char *dir = c % 2 ? other : tab;
    if (li_load(dir, NULL, &m, &err) != LI_OK) {
      fprintf(stderr, "memcheck: li_load %s: %s\n", dir, err);
      li_free(err);
      return 1;
    }
    char *info = NULL;
    if (li_model_info(m, &info, &err) != LI_OK) failures++;
    li_free(info);
    if (c % 2 == 0)
      for (long i = 0; i < 6; i++) exercise(m, i);
    li_close(m);
    call(m, REQ, NULL, 0, LI_STAGE_ALL, 0, 0); /* a closed handle */
  }
  long rss1 = rss_kb(), heap1 = heap_kb();
  li_model *m = NULL;
  if (li_load(tab, NULL, &m, &err) != LI_OK) {
    fprintf(stderr, "memcheck: li_load: %s\n", err);
    return 1;
  }
  long rss_mid = -1, heap_mid = -1;
  for (long i = 0; i < calls; i++) {
    if (i == calls / 10) { /* after a warm-up tenth */
      rss_mid = rss_kb();
      heap_mid = heap_kb();
    }
    exercise(m, i);
  }
  long rss_end = rss_kb(), heap_end = heap_kb();
  li_close(m);
  li_set_log_callback(NULL, NULL, LI_LOG_DEBUG);
  long rss2 = rss_kb();
  printf("memcheck: %ld load/infer/close cycles, %ld calls, %ld log lines, %ld failures; RSS %ld -> %ld -> %ld kB "
         "(cycles: %ld -> %ld kB, calls: %ld -> %ld kB); C heap in use: cycles %ld -> %ld kB, calls %ld -> %ld kB\n",
         cycles, calls, log_lines, failures, rss0, rss1, rss2, rss_half, rss1, rss_mid, rss_end, heap_half, heap1,
         heap_mid, heap_end);
  /* With RSS_LIMIT_KB set (native runs; valgrind's RSS means nothing), the
   * calls phase may not grow the resident set by more than that. */
  const char *lim = getenv("RSS_LIMIT_KB");
  if (lim && cycles >= 10 && rss1 - rss_half > atol(lim)) {
    fprintf(stderr, "memcheck: RSS grew %ld kB over the last %ld load/close cycles (limit %s kB)\n", rss1 - rss_half,
            cycles - cycles / 2, lim);
    failures++;
  }
  /* With HEAP_LIMIT_KB set: the C heap in use may not grow by more over
   * the second half of the cycles or the last 90% of the calls: a leak of C
   * memory (results, messages, lt_* values, tensors) shows here first. */
  const char *hlim = getenv("HEAP_LIMIT_KB");
  if (hlim && cycles >= 10 && heap1 - heap_half > atol(hlim)) {
    fprintf(stderr, "memcheck: C heap grew %ld kB over the last %ld cycles (limit %s kB)\n", heap1 - heap_half,
            cycles - cycles / 2, hlim);
    failures++;
  }
  if (hlim && calls >= 1000 && heap_end - heap_mid > atol(hlim)) {
    fprintf(stderr, "memcheck: C heap grew %ld kB over %ld calls (limit %s kB)\n", heap_end - heap_mid,
            calls - calls / 10, hlim);
    failures++;
  }
  if (lim && calls >= 1000 && rss_end - rss_mid > atol(lim)) {
    fprintf(stderr, "memcheck: RSS grew %ld kB over %ld calls (limit %s kB)\n", rss_end - rss_mid, calls - calls / 10, lim);
    failures++;
  }
  return failures != 0;
}
