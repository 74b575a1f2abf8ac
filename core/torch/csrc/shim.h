/*
 * shim.h - the flat C surface of ludwig-infer's libtorch shim (in the style of
 * tch-rs's torch-sys/libtch). Only shim.cc includes libtorch; no C++ type
 * crosses this surface.
 *
 * Conventions:
 *  - Every fallible function returns NULL on success or a malloc'd,
 *    NUL-terminated error message that the caller frees with free().
 *    On error, out-parameters are untouched.
 *  - lt_module and lt_value are opaque heap objects; each is freed exactly
 *    once with lt_module_free / lt_value_free (both accept NULL).
 *  - Pointers returned into a value's storage (tensor data, string bytes) stay
 *    valid while that lt_value lives.
 *  - Every function catches every C++ exception.
 */
#ifndef LI_TORCH_SHIM_H
#define LI_TORCH_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Element types: the same numbers as li_dtype in include/ludwig_infer.h. */
enum {
  LT_FLOAT32 = 1,
  LT_FLOAT64 = 2,
  LT_INT32 = 3,
  LT_INT64 = 4,
  LT_UINT8 = 5,
  LT_BOOL = 6,
  LT_INT8 = 7,
  LT_INT16 = 8
};

/* Kinds of values (lt_value_kind). */
enum {
  LT_KIND_NONE = 0,
  LT_KIND_TENSOR = 1,
  LT_KIND_STRING = 2,
  LT_KIND_INT = 3,
  LT_KIND_DOUBLE = 4,
  LT_KIND_BOOL = 5,
  LT_KIND_LIST = 6,
  LT_KIND_DICT = 7,
  LT_KIND_TUPLE = 8,
  LT_KIND_OTHER = 9
};

typedef struct lt_module lt_module;
typedef struct lt_value lt_value;

/* The libtorch version the shim was compiled against ("1.13.0"); static. */
const char *lt_torch_version(void);

/* The number of CUDA devices libtorch sees: 0 for a CPU-only build or when
 * no GPU is visible. Never fails. */
int lt_cuda_device_count(void);

/* Sets the intra-op thread count applied to every thread that runs a forward
 * (and OpenBLAS's, when libtorch uses it). n >= 1. */
char *lt_set_threads(int n);

/* Takes the warnings libtorch issued since the last call (TORCH_WARN in its
 * kernels, aten::warn in TorchScript code), which the shim queues instead of
 * letting libtorch print them to stderr: *out receives them joined by '\n'
 * (each "message (file:line)"; a last line counts those dropped past 256),
 * malloc'd, freed by the caller with free(); NULL when there is none.
 * Thread-safe. Warnings issued on libtorch's own worker threads (intra-op
 * threads > 1) are not seen. */
char *lt_take_warnings(char **out);

/* 1 while lt_take_warnings has something to return, else 0: written by the
 * shim under its queue lock with atomic stores; read it with an atomic load
 * (no call) to skip lt_take_warnings when there is nothing to take. */
extern int lt_warnings_pending;

/* dlopen()s a custom-op library with RTLD_NOW | RTLD_GLOBAL. */
char *lt_load_library(const char *path);

/* Loads a TorchScript file onto device ("cpu", "cuda", "cuda:N"), in eval
 * mode. *out receives the module. */
char *lt_module_load(const char *path, const char *device, lt_module **out);
void lt_module_free(lt_module *m);

/* The forward method's schema as TorchScript prints it; *out is malloc'd. */
char *lt_module_schema(lt_module *m, char **out);

/* The printed type of forward's first argument's dict value type ("Tensor",
 * "Union(...)") or of the argument itself when it is not a dict; malloc'd. */
char *lt_module_input_value_type(lt_module *m, char **out);

/* Creates an empty input dict typed exactly as forward's first argument. */
char *lt_module_new_input(lt_module *m, lt_value **out);

/* Inserts into an input dict (made by lt_module_new_input):
 *  a tensor (copy != 0: the data is copied, so it may be Go memory;
 *            copy == 0: the tensor borrows data, which must be C memory that
 *            outlives the forward call);
 *  a list of n strings, concatenated in buf with byte lengths lens (copied);
 *  a list of n tensors (copied): element i has dtypes[i], ndims[i] dimensions
 *  taken in turn from shapes, and its bytes at buf + offsets[i]; as_tuples
 *  makes (tensor, sample_rates[i]) tuples, Ludwig's audio input. */
char *lt_dict_put_tensor(lt_value *dict, const char *key, int dtype,
                         const int64_t *shape, size_t ndim, const void *data,
                         int copy);
char *lt_dict_put_strings(lt_value *dict, const char *key, const char *buf,
                          const size_t *lens, size_t n);
char *lt_dict_put_tensor_list(lt_value *dict, const char *key, size_t n,
                              const int *dtypes, const size_t *ndims,
                              const int64_t *shapes, const char *buf,
                              const size_t *offsets,
                              const int64_t *sample_rates, int as_tuples);

/* Runs forward(input) under inference mode. When device is non-NULL and not
 * "cpu", every tensor of the input dict is first moved to it. */
char *lt_module_forward(lt_module *m, const lt_value *input, const char *device,
                        lt_value **out);

void lt_value_free(lt_value *v);
int lt_value_kind(const lt_value *v);

/* Scalars. */
char *lt_value_int(const lt_value *v, int64_t *out);
char *lt_value_double(const lt_value *v, double *out);
char *lt_value_bool(const lt_value *v, int *out);
/* A string's bytes (owned by v). */
char *lt_value_string(const lt_value *v, const char **data, size_t *len);

/* Lists and tuples: the element count and a new value per element. */
char *lt_value_len(const lt_value *v, size_t *out);
char *lt_value_item(const lt_value *v, size_t i, lt_value **out);
/* A list of strings at once: *ptrs and *lens are malloc'd arrays of n
 * entries (free both with free()); the bytes stay owned by v. */
char *lt_value_strings(const lt_value *v, const char ***ptrs, size_t **lens,
                       size_t *n);

/* Dicts: entry i's key (owned by v) and a new value. Insertion order. */
char *lt_value_dict_key(const lt_value *v, size_t i, const char **key,
                        size_t *len);
char *lt_value_dict_value(const lt_value *v, size_t i, lt_value **out);

/* A tensor: makes v hold a contiguous CPU copy when it does not already
 * (half/bfloat16 become float32), then describes it. *shape and *data point
 * into v. */
char *lt_value_tensor(lt_value *v, int *dtype, size_t *ndim,
                      const int64_t **shape, const void **data);

/* ---- Named methods, submodules, attributes, positional calls, and
 * wrapping (monolithic InferenceModule, Carton, Triton export). ---- */

/* Loads a TorchScript archive held in memory (len bytes at data, read only
 * during the call), as lt_module_load does a file. */
char *lt_module_load_bytes(const void *data, size_t len, const char *device,
                           lt_module **out);

/* A new handle on the submodule at path (attribute names joined by '.'; ""
 * is m itself). Both handles share one module object; free each. */
char *lt_module_submodule(lt_module *m, const char *path, lt_module **out);

/* 1 when the module has a method of that name, else 0 (also for NULLs). */
int lt_module_has_method(lt_module *m, const char *method);

/* The method's schema as TorchScript prints it; *out is malloc'd. */
char *lt_module_method_schema(lt_module *m, const char *method, char **out);

/* Creates an empty dict typed exactly as the method's first argument. */
char *lt_module_method_new_input(lt_module *m, const char *method,
                                 lt_value **out);

/* lt_module_forward for a named method. */
char *lt_module_method_forward(lt_module *m, const char *method,
                               const lt_value *input, const char *device,
                               lt_value **out);

/* Calls method(args[0], ..., args[nargs-1]) under inference mode. */
char *lt_module_method_call(lt_module *m, const char *method,
                            const lt_value *const *args, size_t nargs,
                            lt_value **out);

/* The direct submodules: one "name<TAB>qualified type name" line each;
 * *out is malloc'd. */
char *lt_module_children(lt_module *m, char **out);

/* The module's attribute `name` (a new value). */
char *lt_module_attr(lt_module *m, const char *name, lt_value **out);

/* Moves the module's parameters and buffers to device and, when the module
 * has an attribute "device" of type Device, sets it to device. */
char *lt_module_to_device(lt_module *m, const char *device);

/* A dict entry's key as a new value (for non-string keys). */
char *lt_value_dict_key_value(const lt_value *v, size_t i, lt_value **out);

/* New values for positional calls: a tensor (data copied) and a List[str]
 * (n strings concatenated in buf with byte lengths lens, copied). */
char *lt_value_new_tensor(int dtype, const int64_t *shape, size_t ndim,
                          const void *data, lt_value **out);
char *lt_value_new_strings(const char *buf, const size_t *lens, size_t n,
                           lt_value **out);

/* Builds a new module of class class_name (e.g. "__torch__.x.Wrapper") that
 * holds stage as its submodule attr and whose methods are compiled from the
 * TorchScript source (which refers to the stage as self.<attr>). */
char *lt_module_wrap(lt_module *stage, const char *class_name,
                     const char *attr, const char *source, lt_module **out);

/* Saves the module as a TorchScript archive at path. */
char *lt_module_save(lt_module *m, const char *path);

/* ---- Native stages (core/native): what a module's class does, and moving
 * a value between dicts. ---- */

/* The kinds of every node ("aten::strip", "prim::GetAttr", ...) in the
 * graphs of all methods of the module's class (not of its submodules), one
 * per line, sorted and unique; *out is malloc'd. */
char *lt_module_class_ops(lt_module *m, char **out);

/* Inserts item (shared, not copied) into a string-keyed dict, e.g. a
 * preprocessed tensor into the predictor's input dict. Fails when item's
 * type does not fit the dict's value type. */
char *lt_dict_put_value(lt_value *dict, const char *key, const lt_value *item);

#ifdef __cplusplus
}
#endif

#endif
