/* test_poison.c - a panic inside the library is recovered: the call returns
 * LI_ERR_INTERNAL and every later call refuses to run, while the host lives
 * on. Built against a library compiled with the li_testhooks tag and run with
 * LI_TEST_PANIC=li_model_info (see run.sh). */
#include <stdio.h>
#include <string.h>

#include "ludwig_infer.h"

int main(void) {
  int bad = 0;
  li_model *m = NULL;
  char *err = NULL;
  if (li_load("testdata/models/tabular", "{\"warmup\": false}", &m, &err) != LI_OK) {
    fprintf(stderr, "load: %s\n", err);
    return 1;
  }
  char *info = NULL;
  li_status st = li_model_info(m, &info, &err);
  if (st != LI_ERR_INTERNAL || info != NULL || !err || !strstr(err, "deliberate panic")) {
    fprintf(stderr, "FAIL: panic not reported as LI_ERR_INTERNAL: %d %s\n", st, err ? err : "");
    bad++;
  }
  li_free(err);
  err = NULL;
  li_result *r = NULL;
  st = li_infer(m, "{}", 2, NULL, 0, NULL, &r, &err);
  if (st != LI_ERR_INTERNAL || !err || !strstr(err, "unknown state")) {
    fprintf(stderr, "FAIL: library not poisoned: %d %s\n", st, err ? err : "");
    bad++;
  }
  li_free(err);
  li_close(m);
  printf("%d passed, %d failed\n", 2 - bad, bad);
  return bad ? 1 : 0;
}
