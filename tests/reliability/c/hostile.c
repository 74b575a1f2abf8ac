/* hostile.c - hostile inputs through the C ABI (core/hostile_test.go covers
 * them in Go, with more cases): each call must return a clear status, fast,
 * and leave the library usable. alarm() turns a hang into a failure.
 *
 *   hostile <repo root> <scratch dir>
 */
#define _DEFAULT_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ludwig_infer.h"

static int failures = 0;

/* errp is the call's err argument, read after the call (argument order is
 * unspecified in C, so the message is passed by address). */
static void expect(const char *what, li_status got, li_status want, char **errp, const char *needle) {
  char *err = *errp;
  *errp = NULL;
  int ok = got == want && err != NULL && (needle == NULL || strstr(err, needle) != NULL);
  printf("%s %s: %s: %s\n", ok ? "ok  " : "FAIL", what, li_status_string(got), err ? err : "(no message)");
  failures += !ok;
  li_free(err);
}

static void copy_file(const char *from, const char *to) {
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
  char buf[65536];
  size_t n;
  while (in && out && (n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, out);
  if (in) fclose(in);
  if (out) fclose(out);
}

/* An export dir: the tabular model's files, the predictor replaced by make(). */
static void export_dir(const char *root, const char *dir, int predictor) {
  static const char *files[] = {"inference_preprocessor.pt", "inference_postprocessor.pt", "model_hyperparameters.json",
                                "training_set_metadata.json", "inference_predictor-cpu.pt"};
  char a[4096], b[4096 + 64];
  mkdir(dir, 0755);
  for (int i = 0; i < 5; i++) {
    if (i == 4 && !predictor) continue;
    snprintf(a, sizeof a, "%s/testdata/models/tabular/%s", root, files[i]);
    snprintf(b, sizeof b, "%s/%s", dir, files[i]);
    copy_file(a, b);
  }
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: hostile <repo root> <scratch dir>\n");
    return 2;
  }
  const char *root = argv[1], *tmp = argv[2];
  alarm(120); /* a hang is a failure */
  char dir[2048], p[4096];
  li_model *m = NULL;
  char *err = NULL;

  snprintf(dir, sizeof dir, "%s/fifo", tmp);
  export_dir(root, dir, 0);
  snprintf(p, sizeof p, "%s/inference_predictor-cpu.pt", dir);
  mkfifo(p, 0644);
  err = NULL;
  expect("predictor is a FIFO", li_load(dir, NULL, &m, &err), LI_ERR_MODEL, &err, "not a regular file");

  snprintf(dir, sizeof dir, "%s/zero", tmp);
  export_dir(root, dir, 0);
  snprintf(p, sizeof p, "%s/inference_predictor-cpu.pt", dir);
  symlink("/dev/zero", p);
  err = NULL;
  expect("predictor is /dev/zero", li_load(dir, NULL, &m, &err), LI_ERR_MODEL, &err, "not a regular file");

  snprintf(dir, sizeof dir, "%s/loop", tmp);
  export_dir(root, dir, 0);
  snprintf(p, sizeof p, "%s/inference_predictor-cpu.pt", dir);
  symlink(p, p);
  err = NULL;
  expect("predictor is a symlink loop", li_load(dir, NULL, &m, &err), LI_ERR_MODEL, &err, "symbolic links");

  snprintf(dir, sizeof dir, "%s/metafifo", tmp);
  export_dir(root, dir, 1);
  snprintf(p, sizeof p, "%s/training_set_metadata.json", dir);
  unlink(p);
  mkfifo(p, 0644);
  err = NULL;
  expect("metadata is a FIFO", li_load(dir, NULL, &m, &err), LI_ERR_MODEL, &err, "not a regular file");

  snprintf(p, sizeof p, "%s/fifo-as-model-path", tmp);
  mkfifo(p, 0644);
  err = NULL;
  li_status st = li_load(p, NULL, &m, &err);
  expect("model path is a FIFO", st, st == LI_OK ? LI_ERR_MODEL : st, &err, NULL);

  /* A tensor whose byte count wraps int64: [2, 2^61+1] float32 in 8 bytes.
   * Before tensor.Validate checked the product, this poisoned the library
   * (a Go panic, LI_ERR_INTERNAL for every later call). */
  snprintf(p, sizeof p, "%s/testdata/models/set_bag_vector", root);
  if (li_load(p, NULL, &m, &err) != LI_OK) {
    printf("FAIL load %s: %s\n", p, err);
    return 1;
  }
  float v[2] = {1, 2};
  int64_t shape[2] = {2, ((int64_t)1 << 61) + 1};
  li_tensor t = {"emb", LI_DTYPE_FLOAT32, 2, shape, v, 8, 0};
  const char *req = "{\"tags\": [\"a\", \"b\"], \"words\": [\"a\", \"b\"]}";
  li_result *r = NULL;
  err = NULL;
  expect("tensor whose byte count wraps", li_infer(m, req, strlen(req), &t, 1, NULL, &r, &err), LI_ERR_INVALID_ARGUMENT,
         &err, "overflows");
  float good[8] = {0};
  int64_t gshape[2] = {2, 4};
  li_tensor g = {"emb", LI_DTYPE_FLOAT32, 2, gshape, good, sizeof good, 0};
  err = NULL;
  st = li_infer(m, req, strlen(req), &g, 1, NULL, &r, &err);
  printf("%s the library still serves: %s %s\n", st == LI_OK ? "ok  " : "FAIL", li_status_string(st), err ? err : "");
  failures += st != LI_OK;
  li_free(err);
  li_result_free(r);
  li_close(m);

  /* Invalid UTF-8 in caller bytes: every message stays UTF-8. */
  err = NULL;
  expect("options of invalid UTF-8", li_load(p, "\xbc", &m, &err), LI_ERR_INVALID_ARGUMENT, &err, "\xef\xbf\xbd");
  printf("hostile: %s\n", failures ? "FAILED" : "ok");
  return failures != 0;
}
