/* predict.c - the smallest useful C program over libludwiginfer.so: load an
 * export, score two rows given as a JSON column dict, print the columns.
 *
 *   cc predict.c -I build -L build -lludwiginfer -Wl,-rpath,build -o predict
 *   ./predict testdata/models/tabular
 */
#include <stdio.h>
#include <string.h>

#include "ludwig_infer.h"

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "testdata/models/tabular";
  const char *request =
      argc > 2 ? argv[2]
               : "{\"Age\": [34, 51.5], \"city\": [\"Paris\", \"Lima\"],"
                 " \"member\": [true, null], \"cell\": [617703466028236799, 617703466028236799]}";
  li_model *model = NULL;
  char *err = NULL;
  li_status st = li_load(dir, NULL, &model, &err);
  if (st != LI_OK) {
    fprintf(stderr, "li_load: %s: %s\n", li_status_string(st), err);
    li_free(err);
    return 1;
  }
  li_infer_options opts = LI_INFER_OPTIONS_INIT;
  opts.form = LI_FORM_FULL;
  li_result *result = NULL;
  st = li_infer(model, request, strlen(request), NULL, 0, &opts, &result, &err);
  if (st != LI_OK) {
    fprintf(stderr, "li_infer: %s: %s\n", li_status_string(st), err);
    li_free(err);
    li_close(model);
    return 1;
  }
  printf("%s\n", li_result_json(result, NULL));
  li_result_free(result);
  li_close(model);
  return 0;
}
