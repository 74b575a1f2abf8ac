/* result.h - private to capi/: the layout of li_result and the C helpers
 * the Go exports call. Not installed. */
#ifndef LI_CAPI_RESULT_H
#define LI_CAPI_RESULT_H

#include "ludwig_infer.h"

/* Every pointer below is malloc'd and owned by the result. */
struct li_result {
  char *json;          /* NUL-terminated */
  size_t json_len;
  size_t n_tensors;
  li_tensor *tensors;  /* name, shape and data of each are malloc'd */
};

/* Calls a log callback (Go cannot call C function pointers). */
__attribute__((visibility("hidden"))) void li_capi_call_log(li_log_fn fn, li_log_level level, const char *msg, void *user);

/* Allocates a result with room for n tensors (zeroed); NULL when out of
 * memory. */
__attribute__((visibility("hidden"))) li_result *li_capi_result_new(size_t n);

/* A malloc'd copy of a NUL-terminated string, or NULL. */
__attribute__((visibility("hidden"))) char *li_capi_strdup(const char *s);

/* Model handles are registry ids carried in li_model pointers. */
static inline li_model *li_capi_model_from_id(uintptr_t id) { return (li_model *)id; }
static inline uintptr_t li_capi_model_id(li_model *m) { return (uintptr_t)m; }

#endif
