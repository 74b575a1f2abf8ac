/* latency.c - the calls of examples/bench_latency.rs through the C ABI, for a
 * side-by-side ratio: li_infer (all stages, columns form, JSON out) on the
 * tabular test model, median and p99 per call.
 *
 *   bench/run.sh                      builds this and runs both
 *   latency MODEL_DIR REQ.json ITERS  by hand
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ludwig_infer.h"

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (fread(buf, 1, (size_t)n, f) != (size_t)n) { fclose(f); free(buf); return NULL; }
  fclose(f);
  buf[n] = 0;
  *len = (size_t)n;
  return buf;
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void call(li_model *m, const char *req, size_t len) {
  li_infer_options opts = LI_INFER_OPTIONS_INIT;
  li_result *res = NULL;
  char *err = NULL;
  if (li_infer(m, req, len, NULL, 0, &opts, &res, &err) != LI_OK) {
    fprintf(stderr, "li_infer: %s\n", err);
    exit(1);
  }
  size_t n = 0;
  volatile const char *json = li_result_json(res, &n);
  (void)json;
  li_result_free(res);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s MODEL_DIR REQ.json ITERS\n", argv[0]);
    return 2;
  }
  int iters = atoi(argv[3]);
  size_t len;
  char *req = slurp(argv[2], &len);
  if (!req) { perror(argv[2]); return 1; }
  li_model *m = NULL;
  char *err = NULL;
  if (li_load(argv[1], NULL, &m, &err) != LI_OK) {
    fprintf(stderr, "li_load: %s\n", err);
    return 1;
  }
  for (int i = 0; i < iters && i < 200; i++) call(m, req, len);
  double *d = malloc(sizeof(double) * (size_t)iters);
  for (int i = 0; i < iters; i++) {
    double t = now_us();
    call(m, req, len);
    d[i] = now_us() - t;
  }
  qsort(d, (size_t)iters, sizeof(double), cmp);
  int p = iters * 99 / 100;
  if (p >= iters) p = iters - 1;
  printf("c    li_infer       %-16s iters=%-6d median %9.1f us  p99 %9.1f us\n", strrchr(argv[2], '/') ? strrchr(argv[2], '/') + 1 : argv[2], iters, d[iters / 2], d[p]);
  li_close(m);
  free(d);
  free(req);
  return 0;
}
