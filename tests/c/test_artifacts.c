/* test_artifacts.c - the other artifacts through the C ABI: a scripted
 * InferenceModule (with and without the JSON files beside it) and a .carton
 * give the three-stage export's answers (predictions only for the carton),
 * staged calls included; damaged cartons are LI_ERR_MODEL. Run by
 * tests/c/run.sh from the repository root. The requests are the case
 * "batch2_unknown_city_floats" of testdata/golden/tabular.json. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ludwig_infer.h"

/* Keyed by config column ("Age") and by feature name ("age"): a module
 * without model_hyperparameters.json beside it knows only feature names. */
static const char *REQ_COLUMNS =
    "{\"Age\": [51.5, 28], \"city\": [\"Reykjavik\", \" London \"], \"member\": [false, true],"
    " \"cell\": [622236723497533439, 624008872107900927]}";
static const char *REQ_NAMES =
    "{\"age\": [51.5, 28], \"city\": [\"Reykjavik\", \" London \"], \"member\": [false, true],"
    " \"cell\": [622236723497533439, 624008872107900927]}";

static li_model *load(const char *path) {
  li_model *m = NULL;
  char *err = NULL;
  li_status st = li_load(path, "{\"warmup\": false}", &m, &err);
  CHECK(st == LI_OK, "li_load %s: %s (%s)", path, li_status_string(st), err ? err : "");
  li_free(err);
  return m;
}

/* Runs req through stage/form; returns a malloc'd copy of the JSON or NULL. */
static char *run(li_model *m, const char *req, li_stage stage, li_form form) {
  li_infer_options opts = LI_INFER_OPTIONS_INIT;
  opts.stage = stage;
  opts.form = form;
  li_result *r = NULL;
  char *err = NULL;
  li_status st = li_infer(m, req, strlen(req), NULL, 0, &opts, &r, &err);
  CHECK(st == LI_OK, "li_infer: %s (%s)", li_status_string(st), err ? err : "");
  li_free(err);
  char *out = st == LI_OK ? strdup(li_result_json(r, NULL)) : NULL;
  li_result_free(r);
  return out;
}

static int same(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

/* check_staged runs req's preprocess stage on m, then its tensors through
 * predict and postprocess, and compares with the whole model's answers. */
static void check_staged(li_model *m, const char *path, const char *req, const char *expected_pre,
                         const char *expected_all) {
  char *pre = run(m, req, LI_STAGE_PREPROCESS, LI_FORM_COLUMNS);
  CHECK(same(pre, expected_pre), "%s preprocess: %s != %s", path, pre, expected_pre);
  char *pred = pre ? run(m, pre, LI_STAGE_PREDICT, LI_FORM_COLUMNS) : NULL;
  char *post = pred ? run(m, pred, LI_STAGE_POSTPROCESS, LI_FORM_COLUMNS) : NULL;
  CHECK(same(post, expected_all), "%s staged: %s != %s", path, post, expected_all);
  free(pre);
  free(pred);
  free(post);
}

static void test_inference_module(const char *expected_all, const char *expected_pre) {
  const char *paths[] = {"testdata/models/tabular_module",
                         "testdata/models/tabular_module/inference_module.pt",
                         "testdata/models/tabular_module_bare"};
  for (int i = 0; i < 3; i++) {
    li_model *m = load(paths[i]);
    if (!m) continue;
    const char *req = i < 2 ? REQ_COLUMNS : REQ_NAMES;
    char *all = run(m, req, LI_STAGE_ALL, LI_FORM_COLUMNS);
    CHECK(same(all, expected_all), "%s: %s != %s", paths[i], all, expected_all);
    check_staged(m, paths[i], req, expected_pre, expected_all);
    char *info = NULL, *err = NULL;
    CHECK(li_model_info(m, &info, &err) == LI_OK, "info: %s", err ? err : "");
    CHECK(info && strstr(info, "\"kind\":\"inference_module\""), "info kind: %s", info);
    CHECK(info && strstr(info, i < 2 ? "\"schema\":\"json\"" : "\"schema\":\"module\""), "info schema: %s", info);
    li_free(info);
    li_free(err);
    free(all);
    li_close(m);
  }
}

static void test_carton(const char *expected_all, const char *expected_pre) {
  const char *paths[] = {"testdata/models/tabular_carton/tabular.carton", "testdata/models/tabular_carton"};
  /* The carton answers predictions only: the three-stage columns JSON up to
   * the probabilities. */
  char want[4096];
  const char *cut = strstr(expected_all, ",\"plan_probabilities\"");
  CHECK(cut != NULL, "no probabilities in %s", expected_all);
  if (!cut) return;
  snprintf(want, sizeof want, "%.*s}", (int)(cut - expected_all), expected_all);
  for (int i = 0; i < 2; i++) {
    li_model *m = load(paths[i]);
    if (!m) continue;
    for (int form = LI_FORM_COLUMNS; form <= LI_FORM_FULL; form++) {
      char *all = run(m, REQ_NAMES, LI_STAGE_ALL, (li_form)form);
      CHECK(same(all, want), "%s form %d: %s != %s", paths[i], form, all, want);
      free(all);
    }
    check_staged(m, paths[i], REQ_NAMES, expected_pre, want);
    char *info = NULL, *err = NULL;
    CHECK(li_model_info(m, &info, &err) == LI_OK, "info: %s", err ? err : "");
    CHECK(info && strstr(info, "\"kind\":\"carton\"") && strstr(info, "\"outputs\":\"predictions\""),
          "info: %s", info);
    li_free(info);
    li_free(err);
    li_close(m);
  }
}

/* A copy of the carton with one byte of model/model.pt's compressed data
 * changed, and a truncated copy: both LI_ERR_MODEL with a message. */
static void test_damaged_cartons(void) {
  FILE *f = fopen("testdata/models/tabular_carton/tabular.carton", "rb");
  CHECK(f != NULL, "open carton");
  if (!f) return;
  static unsigned char buf[1 << 20];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  char dir[] = "/tmp/li_artifacts_XXXXXX";
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  char path[256];
  struct {
    const char *name;
    size_t len;
    long flip; /* byte to change, or -1 */
    const char *needle;
  } cases[] = {
      {"flipped.carton", n, (long)n / 2, "carton "},
      {"truncated.carton", n / 3, -1, "not a readable zip archive"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, cases[i].name);
    if (cases[i].flip >= 0) buf[cases[i].flip] ^= 0x5a;
    FILE *w = fopen(path, "wb");
    fwrite(buf, 1, cases[i].len, w);
    fclose(w);
    if (cases[i].flip >= 0) buf[cases[i].flip] ^= 0x5a;
    li_model *m = NULL;
    char *err = NULL;
    li_status st = li_load(path, NULL, &m, &err);
    CHECK(st == LI_ERR_MODEL, "%s: %s (%s)", cases[i].name, li_status_string(st), err ? err : "");
    CHECK(m == NULL, "%s: out-parameter set on error", cases[i].name);
    CHECK(err && strstr(err, cases[i].needle), "%s: message %s", cases[i].name, err ? err : "(none)");
    li_free(err);
    unlink(path);
  }
  rmdir(dir);

  li_model *m = NULL;
  char *err = NULL;
  li_status st = li_load("testdata/models/nonexistent.carton", NULL, &m, &err);
  CHECK(st == LI_ERR_NOT_FOUND, "missing carton: %s", li_status_string(st));
  li_free(err);
}

int main(void) {
  li_model *stages = load("testdata/models/tabular");
  if (!stages) return 1;
  char *all = run(stages, REQ_COLUMNS, LI_STAGE_ALL, LI_FORM_COLUMNS);
  char *pre = run(stages, REQ_COLUMNS, LI_STAGE_PREPROCESS, LI_FORM_COLUMNS);
  li_close(stages);
  if (!all || !pre) return 1;
  test_inference_module(all, pre);
  test_carton(all, pre);
  test_damaged_cartons();
  free(all);
  free(pre);
  printf("%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
