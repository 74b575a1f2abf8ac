/* test_pandas.c - issue 20 through the C ABI: values typed as pandas types
 * them. Each request is compared with the same model's answer to the values
 * pandas hands Ludwig, spelled out (strings as astype(str) writes them,
 * numbers as the tensor holds them): the two result JSONs must be equal
 * byte for byte. Also: JSON NaN/Infinity literals, the documented refusal of
 * lists in scalar columns (exact message), and libtorch warnings delivered
 * once per model to the log callback. Run by tests/c/run.sh with the path
 * of a --model_only export whose predictor warns (core/torch/testdata/warn.pt). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ludwig_infer.h"

static char *answer(li_model *m, const char *req, li_status *st, char **err) {
  li_result *r = NULL;
  char *json = NULL;
  *st = li_infer(m, req, strlen(req), NULL, 0, NULL, &r, err);
  if (*st == LI_OK) json = strdup(li_result_json(r, NULL));
  li_result_free(r);
  return json;
}

/* Checks that model dir answers req as it answers want (pandas' values). */
static void same(const char *dir, const char *req, const char *want, const char *what) {
  li_model *m = NULL;
  char *err = NULL;
  if (li_load(dir, NULL, &m, &err) != LI_OK) {
    CHECK(0, "%s: load %s: %s", what, dir, err);
    li_free(err);
    return;
  }
  li_status st1, st2;
  char *got = answer(m, req, &st1, &err);
  CHECK(st1 == LI_OK, "%s: %s", what, err ? err : "");
  li_free(err);
  err = NULL;
  char *exp = answer(m, want, &st2, &err);
  CHECK(st2 == LI_OK, "%s (expected request): %s", what, err ? err : "");
  li_free(err);
  if (got && exp) CHECK(strcmp(got, exp) == 0, "%s:\n got  %s\n want %s", what, got, exp);
  free(got);
  free(exp);
  li_close(m);
}

static void test_examples(void) {
  same("testdata/models/text_category", "[{\"review\": 5}, {\"review\": null}, {\"review\": 7}, {\"review\": \"alpha beta\"}]",
       "{\"review\": [\"5\", \"nan\", \"7\", \"alpha beta\"]}", "1: object column keeps integers");
  same("testdata/models/text_category", "{\"review\": [5, null, 7]}", "{\"review\": [\"5.0\", \"nan\", \"7.0\"]}",
       "1: float64 column");
  same("testdata/models/text_category", "{\"review\": [12345678901234567890, 5, \"alpha beta\"]}",
       "{\"review\": [\"12345678901234567890\", \"5\", \"alpha beta\"]}", "2: integer beyond int64");
  same("testdata/models/text_category", "{\"review\": [NaN, Infinity, -Infinity, 1]}",
       "{\"review\": [\"nan\", \"inf\", \"-inf\", \"1.0\"]}", "NaN/Infinity literals");
  same("testdata/models/tabular",
       "[{\"Age\": 30, \"city\": \"Paris\", \"member\": true, \"cell\": 617721196000313343}, {\"Age\": 31, \"city\": \"Paris\", \"member\": true, \"cell\": null}]",
       "{\"Age\": [30, 31], \"city\": [\"Paris\", \"Paris\"], \"member\": [true, true], \"cell\": [6.177211960003133e17, NaN]}",
       "3: h3 column with a null");
  same("testdata/models/tabular",
       "{\"Age\": [30], \"city\": [\"Paris\"], \"member\": [true], \"cell\": [6.177211960003133e17]}",
       "{\"Age\": [30], \"city\": [\"Paris\"], \"member\": [true], \"cell\": [617721196000313344]}",
       "4: h3 id as a float (the float64 value, exactly 617721196000313344)");
  same("testdata/models/tabular",
       "{\"Age\": [true, false], \"city\": [\"Paris\", \"Lima\"], \"member\": [true, true], \"cell\": [617721196000313343, 617721196000313343]}",
       "{\"Age\": [1.0, 0.0], \"city\": [\"Paris\", \"Lima\"], \"member\": [true, true], \"cell\": [617721196000313343, 617721196000313343]}",
       "5: number column of booleans");
  same("testdata/models/set_bag_vector", "{\"tags\": [\"a\", \"a\"], \"words\": [\"a\", \"a\"], \"emb\": [\"0x10 0x1.8 1\\u001c2\", \"1\\u001d2\\u001e3 inf\"]}",
       "{\"tags\": [\"a\", \"a\"], \"words\": [\"a\", \"a\"], \"emb\": [\"16 1.5 1 2\", \"1 2 3 inf\"]}", "6: vector strings");
  same("testdata/models/date_input", "{\"signup\": [\"04/03/\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x91 05:06\"], \"amount\": [1]}",
       "{\"signup\": [\"04/03/2021 05:06\"], \"amount\": [1]}", "7: fullwidth digits in a date");
  same("testdata/models/tabular",
       "[{\"Age\": 30, \"member\": true, \"cell\": 617721196000313343}, {\"Age\": 31, \"member\": true, \"cell\": 617721196000313343, \"city\": \"Lima\"}]",
       "{\"Age\": [30, 31], \"city\": [\"nan\", \"Lima\"], \"member\": [true, true], \"cell\": [617721196000313343, 617721196000313343]}",
       "8: a key absent from the first record");
}

static void test_list_refused(void) {
  li_model *m = NULL;
  char *err = NULL;
  if (li_load("testdata/models/tabular", NULL, &m, &err) != LI_OK) {
    CHECK(0, "load: %s", err);
    li_free(err);
    return;
  }
  li_status st;
  char *json = answer(m, "{\"Age\": [1], \"city\": [[\"red\"]], \"member\": [true], \"cell\": [617721196000313343]}", &st, &err);
  CHECK(st == LI_ERR_INPUT, "list in a category column: status %s", li_status_string(st));
  const char *want =
      "input feature \"city\" (category), row 0: expected a string, number or boolean, got array "
      "(ludwig-infer refuses lists and objects in category columns, where pandas would pass their printed form)";
  CHECK(err != NULL && strcmp(err, want) == 0, "message %s", err ? err : "(none)");
  free(json);
  li_free(err);
  li_close(m);
}

static int warn_logs = 0;
static void on_log(li_log_level level, const char *msg, void *user) {
  (void)user;
  if (strstr(msg, "libtorch: ludwig-infer test warning: forward was called") != NULL) {
    CHECK(level == LI_LOG_WARN, "libtorch warning logged at level %d", (int)level);
    warn_logs++;
  }
}

static void test_warnings(const char *warn_model) {
  li_set_log_callback(on_log, NULL, LI_LOG_DEBUG);
  li_model *m = NULL;
  char *err = NULL;
  if (li_load(warn_model, NULL, &m, &err) != LI_OK) {
    CHECK(0, "load %s: %s", warn_model, err);
    li_free(err);
    return;
  }
  li_infer_options opts = LI_INFER_OPTIONS_INIT;
  opts.stage = LI_STAGE_PREDICT;
  const char *req = "{\"x\": {\"dtype\": \"float32\", \"shape\": [1], \"data\": [1]}}";
  for (int i = 0; i < 3; i++) {
    li_result *r = NULL;
    li_status st = li_infer(m, req, strlen(req), NULL, 0, &opts, &r, &err);
    CHECK(st == LI_OK, "warn model: %s", err ? err : "");
    li_result_free(r);
  }
  li_close(m);
  li_set_log_callback(NULL, NULL, LI_LOG_DEBUG);
  CHECK(warn_logs == 1, "the warning was logged %d times, want once", warn_logs);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_pandas WARN_MODEL_DIR\n");
    return 2;
  }
  test_examples();
  test_list_refused();
  test_warnings(argv[1]);
  printf("test_pandas: %d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
