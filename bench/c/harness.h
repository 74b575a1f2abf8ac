/* harness.h - the benchmark protocol every compiled contender speaks
 * (bench/driver.py drives it over stdin/stdout, one command per line):
 *
 *   lat <case> <batch> <iters>        -> ok <ns> <ns> ...   one timed call each
 *   thr <case> <batch> <threads> <s>  -> ok <calls> <ns>    callers on one model
 *   check <case> <batch>              -> ok <json>          outputs, for comparison
 *   load <n>                          -> ok <ns> ...        load + warm-up + close
 *   rss                               -> ok <VmHWM kB> <VmRSS kB>
 *   quit
 *
 * On start a contender loads its model, warms up and prints
 *   ready <load ns> <VmHWM kB> <VmRSS kB>
 * Batches are 1, 32 and 1000 rows (index 0, 1, 2). Header-only; C and C++.
 */
#ifndef BENCH_HARNESS_H
#define BENCH_HARNESS_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BENCH_NBATCH 3
static const int bench_batches[BENCH_NBATCH] = {1, 32, 1000};

typedef struct bench_ops {
  const char *const *cases; /* NULL-terminated case names */
  /* One timed call of case c on batch index b; 0 on success. Thread-safe. */
  int (*call)(int c, int b);
  /* A malloc'd JSON {"<f>_predictions": [...], "<f>_probabilities": [[...]]}
   * (at least) of case c on batch index b, or NULL on failure. */
  char *(*check)(int c, int b);
  /* Loads, warms up and closes a second copy of the model; ns, or -1. */
  int64_t (*load_close)(void);
  /* Called once at the start of every worker thread (may be NULL). */
  void (*thread_init)(void);
} bench_ops;

static inline int64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* VmHWM and VmRSS of this process, in kB. */
static inline void bench_rss(long *hwm, long *rss) {
  *hwm = *rss = -1;
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return;
  char line[256];
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "VmHWM:", 6) == 0) *hwm = strtol(line + 6, NULL, 10);
    if (strncmp(line, "VmRSS:", 6) == 0) *rss = strtol(line + 6, NULL, 10);
  }
  fclose(f);
}

static inline void bench_ready(int64_t load_ns) {
  long hwm, rss;
  bench_rss(&hwm, &rss);
  printf("ready %lld %ld %ld\n", (long long)load_ns, hwm, rss);
  fflush(stdout);
}

typedef struct bench_thr {
  const bench_ops *ops;
  int c, b;
  int64_t deadline;
  volatile int *go;
  int64_t calls;
  int failed;
} bench_thr;

static void *bench_worker(void *arg) {
  bench_thr *t = (bench_thr *)arg;
  if (t->ops->thread_init) t->ops->thread_init();
  while (!__atomic_load_n(t->go, __ATOMIC_ACQUIRE)) {
  }
  while (bench_now_ns() < t->deadline) {
    if (t->ops->call(t->c, t->b) != 0) t->failed = 1;
    t->calls++;
  }
  return NULL;
}

static int bench_find(const bench_ops *ops, const char *name, int batch, int *c, int *b) {
  *c = *b = -1;
  for (int i = 0; ops->cases[i]; i++)
    if (strcmp(ops->cases[i], name) == 0) *c = i;
  for (int i = 0; i < BENCH_NBATCH; i++)
    if (bench_batches[i] == batch) *b = i;
  return *c >= 0 && *b >= 0;
}

/* Serves the driver's commands until quit or EOF. */
static inline int bench_serve(const bench_ops *ops) {
  char line[512], name[64];
  int batch, n, threads;
  double secs;
  if (ops->thread_init) ops->thread_init();
  while (fgets(line, sizeof line, stdin)) {
    int c, b;
    if (sscanf(line, "lat %63s %d %d", name, &batch, &n) == 3) {
      if (!bench_find(ops, name, batch, &c, &b)) { printf("err unknown case\n"); fflush(stdout); continue; }
      int64_t *ns = (int64_t *)malloc(sizeof(int64_t) * (size_t)n);
      int failed = 0;
      for (int i = 0; i < n; i++) {
        int64_t t0 = bench_now_ns();
        if (ops->call(c, b) != 0) failed = 1;
        ns[i] = bench_now_ns() - t0;
      }
      if (failed) {
        printf("err call failed\n");
      } else {
        printf("ok");
        for (int i = 0; i < n; i++) printf(" %lld", (long long)ns[i]);
        printf("\n");
      }
      free(ns);
    } else if (sscanf(line, "thr %63s %d %d %lf", name, &batch, &threads, &secs) == 4) {
      if (!bench_find(ops, name, batch, &c, &b) || threads < 1 || threads > 64) { printf("err bad thr\n"); fflush(stdout); continue; }
      bench_thr ts[64];
      pthread_t tids[64];
      volatile int go = 0;
      int64_t start = bench_now_ns() + 20000000; /* threads start within 20 ms */
      for (int i = 0; i < threads; i++) {
        ts[i].ops = ops; ts[i].c = c; ts[i].b = b; ts[i].go = &go;
        ts[i].deadline = start + (int64_t)(secs * 1e9);
        ts[i].calls = 0; ts[i].failed = 0;
        pthread_create(&tids[i], NULL, bench_worker, &ts[i]);
      }
      while (bench_now_ns() < start) {
      }
      int64_t t0 = bench_now_ns();
      __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
      int64_t calls = 0;
      int failed = 0;
      for (int i = 0; i < threads; i++) {
        pthread_join(tids[i], NULL);
        calls += ts[i].calls;
        failed |= ts[i].failed;
      }
      int64_t el = bench_now_ns() - t0;
      if (failed) printf("err call failed\n");
      else printf("ok %lld %lld\n", (long long)calls, (long long)el);
    } else if (sscanf(line, "check %63s %d", name, &batch) == 2) {
      if (!bench_find(ops, name, batch, &c, &b)) { printf("err unknown case\n"); fflush(stdout); continue; }
      char *js = ops->check(c, b);
      if (js) printf("ok %s\n", js);
      else printf("err check failed\n");
      free(js);
    } else if (sscanf(line, "load %d", &n) == 1) {
      printf("ok");
      for (int i = 0; i < n; i++) printf(" %lld", (long long)ops->load_close());
      printf("\n");
    } else if (strncmp(line, "rss", 3) == 0) {
      long hwm, rss;
      bench_rss(&hwm, &rss);
      printf("ok %ld %ld\n", hwm, rss);
    } else if (strncmp(line, "quit", 4) == 0) {
      break;
    } else {
      printf("err unknown command\n");
    }
    fflush(stdout);
  }
  return 0;
}

/* Reads a whole file; *len receives its size. NULL on failure. */
static inline char *bench_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = (char *)malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
  fclose(f);
  if (buf) { buf[n] = 0; if (len) *len = (size_t)n; }
  return buf;
}

#ifdef __cplusplus
}
#endif
#endif
