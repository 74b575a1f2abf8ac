/* helpers.c - the parts of the C ABI that need no Go: results, versions,
 * status names and li_free. Kept in C so they are cheap and cannot panic. */
#include <stdlib.h>
#include <string.h>

#include "result.h"
#include "../core/torch/csrc/shim.h"

int li_abi_version(void) { return LI_ABI_VERSION; }

const char *li_version(void) { return LI_VERSION; }

#ifdef LI_NOTORCH
/* ./build.sh --no-libtorch: no libtorch linked, so no version. */
const char *li_torch_version(void) { return ""; }
#else
const char *li_torch_version(void) { return lt_torch_version(); }
#endif

void li_free(void *ptr) { free(ptr); }

const char *li_status_string(li_status status) {
  switch (status) {
    case LI_OK: return "LI_OK";
    case LI_ERR_INVALID_ARGUMENT: return "LI_ERR_INVALID_ARGUMENT";
    case LI_ERR_NOT_FOUND: return "LI_ERR_NOT_FOUND";
    case LI_ERR_MODEL: return "LI_ERR_MODEL";
    case LI_ERR_INPUT: return "LI_ERR_INPUT";
    case LI_ERR_RUNTIME: return "LI_ERR_RUNTIME";
    case LI_ERR_CLOSED: return "LI_ERR_CLOSED";
    case LI_ERR_CANCELLED: return "LI_ERR_CANCELLED";
    case LI_ERR_INTERNAL: return "LI_ERR_INTERNAL";
  }
  return "unknown status";
}

char *li_capi_strdup(const char *s) {
  if (s == NULL) return NULL;
  size_t n = strlen(s);
  char *p = malloc(n + 1);
  if (p != NULL) memcpy(p, s, n + 1);
  return p;
}

void li_capi_call_log(li_log_fn fn, li_log_level level, const char *msg, void *user) {
  if (fn != NULL) fn(level, msg, user);
}

li_result *li_capi_result_new(size_t n) {
  li_result *r = calloc(1, sizeof(li_result));
  if (r == NULL) return NULL;
  if (n > 0) {
    r->tensors = calloc(n, sizeof(li_tensor));
    if (r->tensors == NULL) {
      free(r);
      return NULL;
    }
  }
  r->n_tensors = n;
  return r;
}

const char *li_result_json(const li_result *result, size_t *len) {
  if (result == NULL) return NULL;
  if (len != NULL) *len = result->json_len;
  return result->json;
}

size_t li_result_tensor_count(const li_result *result) {
  return result == NULL ? 0 : result->n_tensors;
}

static li_status set_err(char **err, li_status s, const char *msg) {
  if (err != NULL) *err = li_capi_strdup(msg);
  return s;
}

li_status li_result_tensor(const li_result *result, size_t index, li_tensor *out,
                           char **err) {
  if (result == NULL) return set_err(err, LI_ERR_INVALID_ARGUMENT, "result is NULL");
  if (out == NULL) return set_err(err, LI_ERR_INVALID_ARGUMENT, "out is NULL");
  if (index >= result->n_tensors)
    return set_err(err, LI_ERR_INVALID_ARGUMENT, "tensor index out of range");
  *out = result->tensors[index];
  return LI_OK;
}

void li_result_free(li_result *result) {
  if (result == NULL) return;
  for (size_t i = 0; i < result->n_tensors; i++) {
    free((void *)result->tensors[i].name);
    free((void *)result->tensors[i].shape);
    free((void *)result->tensors[i].data);
  }
  free(result->tensors);
  free(result->json);
  free(result);
}
