/* test_buffer.c - li_load_buffer: a tar of the tabular export, a zip of it,
 * a .carton's bytes and a TorchScript .pt's bytes each load and answer
 * byte-identically to li_load of the same model on disk; the buffer stays
 * the caller's (overwritten after the call, the model still answers); every
 * argument error and a hostile archive fail with their status and a message.
 * Run by tests/c/run.sh, which makes the archives (argv[1..2]: tar, zip) and
 * copies the module .pt alone into a folder (argv[3]). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ludwig_infer.h"

static const char *REQ =
    "{\"Age\": [51.5, 28], \"city\": [\"Reykjavik\", \" London \"], \"member\": [false, true],"
    " \"cell\": [622236723497533439, 624008872107900927]}";
/* A .pt or .carton alone knows feature names, not columns. */
static const char *REQ_NAMES =
    "{\"age\": [51.5, 28], \"city\": [\"Reykjavik\", \" London \"], \"member\": [false, true],"
    " \"cell\": [622236723497533439, 624008872107900927]}";

static unsigned char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL, "cannot open %s", path);
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *buf = malloc((size_t)n);
  CHECK(fread(buf, 1, (size_t)n, f) == (size_t)n, "short read of %s", path);
  fclose(f);
  *len = (size_t)n;
  return buf;
}

/* The full-form answer of m to REQ, malloc'd. */
static char *answer(li_model *m, const char *req) {
  li_infer_options o = LI_INFER_OPTIONS_INIT;
  o.form = LI_FORM_FULL;
  li_result *r = NULL;
  char *err = NULL;
  li_status st = li_infer(m, req, strlen(req), NULL, 0, &o, &r, &err);
  CHECK(st == LI_OK, "li_infer: %s (%s)", li_status_string(st), err ? err : "");
  li_free(err);
  char *out = st == LI_OK ? strdup(li_result_json(r, NULL)) : NULL;
  li_result_free(r);
  return out;
}

static char *answer_of_path(const char *path, const char *req) {
  li_model *m = NULL;
  char *err = NULL;
  li_status st = li_load(path, NULL, &m, &err);
  CHECK(st == LI_OK, "li_load %s: %s (%s)", path, li_status_string(st), err ? err : "");
  li_free(err);
  char *a = answer(m, req);
  li_close(m);
  return a;
}

/* Loads the bytes of file from memory and checks the answer against want
 * and model info's artifact kind and "<buffer>" path. */
static void check_same(const char *file, const char *req, const char *want, const char *kind) {
  size_t n = 0;
  unsigned char *buf = slurp(file, &n);
  if (!buf) return;
  li_model *m = NULL;
  char *err = NULL;
  li_status st = li_load_buffer(buf, n, "{\"warmup\": false}", &m, &err);
  CHECK(st == LI_OK, "li_load_buffer %s: %s (%s)", file, li_status_string(st), err ? err : "");
  li_free(err);
  memset(buf, 0, n); /* the library kept no pointer into the bytes */
  free(buf);
  if (st != LI_OK) return;
  char *got = answer(m, req);
  CHECK(got && want && strcmp(got, want) == 0, "%s: %s != %s", file, got, want);
  free(got);
  char *info = NULL;
  st = li_model_info(m, &info, &err);
  CHECK(st == LI_OK && strstr(info, kind) != NULL, "%s: info lacks %s: %s", file, kind, info);
  CHECK(st == LI_OK && strstr(info, "\"path\":\"<buffer>") != NULL, "%s: info path is not <buffer>: %s", file,
        info);
  CHECK(st == LI_OK && strstr(info, "ludwig-infer-buffer-") == NULL, "%s: info names the temporary folder: %s",
        file, info);
  li_free(info);
  li_close(m);
}

static void check_fails(const char *what, const void *data, size_t len, const char *opts, li_model **out,
                        li_status want, const char *msg) {
  char *err = NULL;
  li_status st = li_load_buffer(data, len, opts, out, &err);
  CHECK(st == want, "%s: %s, want %s (%s)", what, li_status_string(st), li_status_string(want),
        err ? err : "");
  CHECK(err != NULL && strstr(err, msg) != NULL, "%s: message %s lacks %s", what, err ? err : "(none)", msg);
  li_free(err);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: test_buffer TABULAR.tar TABULAR.zip ALONE/inference_module.pt\n");
    return 2;
  }
  char *want = answer_of_path("testdata/models/tabular", REQ);
  check_same(argv[1], REQ, want, "\"kind\":\"torchscript_export\"");
  check_same(argv[2], REQ, want, "\"kind\":\"torchscript_export\"");
  char *module = answer_of_path(argv[3], REQ_NAMES);
  check_same(argv[3], REQ_NAMES, module, "\"kind\":\"inference_module\"");
  char *carton = answer_of_path("testdata/models/tabular_carton/tabular.carton", REQ_NAMES);
  check_same("testdata/models/tabular_carton/tabular.carton", REQ_NAMES, carton, "\"kind\":\"carton\"");
  free(want);
  free(module);
  free(carton);

  li_model *m = NULL;
  check_fails("out NULL", "x", 1, NULL, NULL, LI_ERR_INVALID_ARGUMENT, "out is NULL");
  check_fails("data NULL", NULL, 10, NULL, &m, LI_ERR_INVALID_ARGUMENT, "data is NULL");
  check_fails("len 0", NULL, 0, NULL, &m, LI_ERR_INVALID_ARGUMENT, "the model buffer is empty");
  check_fails("bad options", "x", 1, "{\"devise\": \"cpu\"}", &m, LI_ERR_INVALID_ARGUMENT, "invalid load options");
  check_fails("garbage", "hello, world", 12, NULL, &m, LI_ERR_MODEL, "not a zip, tar or tar.gz archive");
  /* A ustar block naming ../evil: refused before anything is written. */
  static char block[1536];
  memset(block, 0, sizeof block);
  strcpy(block, "../evil");
  memcpy(block + 100, "0000644", 7);
  memcpy(block + 124, "00000000000", 11);
  memcpy(block + 136, "00000000000", 11);
  block[156] = '0';
  memcpy(block + 257, "ustar\0" "00", 8);
  memset(block + 148, ' ', 8);
  unsigned sum = 0;
  for (int i = 0; i < 512; i++) sum += (unsigned char)block[i];
  snprintf(block + 148, 8, "%06o", sum);
  check_fails("path escape", block, sizeof block, NULL, &m, LI_ERR_MODEL, "\"../evil\" is not a relative path");
  CHECK(m == NULL, "a failed load wrote *out");
  printf("test_buffer: %d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
