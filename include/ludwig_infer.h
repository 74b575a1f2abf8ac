/*
 * ludwig_infer.h - the C ABI of ludwig-infer.
 *
 * ludwig-infer runs models exported by Ludwig's TorchScript export
 * (inference_preprocessor.pt, inference_predictor-<device>.pt,
 * inference_postprocessor.pt, model_hyperparameters.json,
 * training_set_metadata.json) without Python or Ludwig.
 *
 * This header is the whole public API and its manual. It only ever grows:
 * new functions and enum values are appended, nothing is removed or
 * renumbered within one LI_ABI_VERSION.
 *
 * General rules (they hold for every function below unless it says otherwise):
 *
 *  1. Every fallible function returns an li_status; LI_OK (0) is success.
 *     Its last parameter is `char **err`: when err is non-NULL and the call
 *     fails, *err receives a NUL-terminated UTF-8 message that the caller
 *     frees with li_free(). On success *err is left untouched.
 *  2. On error, every out-parameter is left untouched.
 *  3. What the library allocates, the library frees: strings with li_free(),
 *     results with li_result_free(), models with li_close(). Free functions
 *     return void, accept NULL and never fail.
 *  4. No C++ exception and no Go panic ever crosses this ABI. A bad argument
 *     (NULL, a closed handle, malformed JSON, a wrong type) is an error
 *     status, never a crash. A recovered internal panic returns
 *     LI_ERR_INTERNAL and "poisons" the library: every later call returns
 *     LI_ERR_INTERNAL with the original message.
 *  5. Strings are UTF-8; shapes are int64_t; lengths are size_t.
 *  6. Loading a model executes code stored in its .pt files (TorchScript is a
 *     program). Load only models you trust.
 *
 * Process rules: the library embeds a Go runtime. Load it once per process
 * and never dlclose() it; do not fork() after the first call (the child has
 * no Go runtime threads) - start worker processes before loading, or use a
 * spawn-style process start.
 */
#ifndef LUDWIG_INFER_H
#define LUDWIG_INFER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The ABI version this header describes. Compare with li_abi_version(). */
#define LI_ABI_VERSION 1
/** The library version this header ships with ("MAJOR.MINOR.PATCH"). */
#define LI_VERSION "0.1.0"

/**
 * Status codes. The numeric values are fixed forever.
 *
 *  LI_OK                     success
 *  LI_ERR_INVALID_ARGUMENT   a NULL where a value is required, a bad option,
 *                            an unknown enum value, malformed options JSON
 *  LI_ERR_NOT_FOUND          a path, file or feature that does not exist
 *  LI_ERR_MODEL              a corrupt, truncated or unsupported export, or one
 *                            needing a custom-op library that is not loaded
 *  LI_ERR_INPUT              a request that cannot be converted: malformed JSON,
 *                            a missing input feature, a value of the wrong type
 *                            (the message names the feature and the row)
 *  LI_ERR_RUNTIME            libtorch failed while running a stage
 *  LI_ERR_CLOSED             the model handle was closed (or never valid)
 *  LI_ERR_CANCELLED          the call's deadline passed (checked before and
 *                            between stages)
 *  LI_ERR_INTERNAL           a bug: a recovered panic; the library is poisoned
 */
typedef enum li_status {
  LI_OK = 0,
  LI_ERR_INVALID_ARGUMENT = 1,
  LI_ERR_NOT_FOUND = 2,
  LI_ERR_MODEL = 3,
  LI_ERR_INPUT = 4,
  LI_ERR_RUNTIME = 5,
  LI_ERR_CLOSED = 6,
  LI_ERR_CANCELLED = 7,
  LI_ERR_INTERNAL = 8
} li_status;

/** Element types of tensor buffers. The numeric values are fixed forever. */
typedef enum li_dtype {
  LI_DTYPE_FLOAT32 = 1,
  LI_DTYPE_FLOAT64 = 2,
  LI_DTYPE_INT32 = 3,
  LI_DTYPE_INT64 = 4,
  LI_DTYPE_UINT8 = 5,
  LI_DTYPE_BOOL = 6, /* one byte per element, 0 or 1 */
  LI_DTYPE_INT8 = 7,
  LI_DTYPE_INT16 = 8
} li_dtype;

/**
 * Output forms (one vocabulary across C, Go, Python, Rust, the command and
 * the server):
 *
 *  LI_FORM_FEATURES  per output feature, as InferenceModule's forward returns:
 *                    {"label": {"predictions": [...], "probabilities": [[...]]}}
 *  LI_FORM_COLUMNS   InferenceModule.predict's columns, "<feature>_<key>":
 *                    {"label_predictions": [...], "label_probabilities": [[...]]}
 *  LI_FORM_FULL      the LudwigModel.predict / `ludwig serve` column set: the
 *                    columns plus "<f>_probability" and
 *                    "<f>_probabilities_<label>" for binary and category
 *                    outputs and "<f>_response" for text outputs, derived
 *                    from the TorchScript outputs.
 */
typedef enum li_form {
  LI_FORM_FEATURES = 0,
  LI_FORM_COLUMNS = 1,
  LI_FORM_FULL = 2
} li_form;

/*
 * Response JSON, by stage and form (values keep the order the modules give):
 *
 *  LI_STAGE_ALL / LI_STAGE_POSTPROCESS:
 *    features  {"<f>": {"<key>": V, ...}, ...}
 *    columns   {"<f>_<key>": V, ...}
 *    full      columns + per binary output "<f>_probabilities_<False label>",
 *              "<f>_probabilities_<True label>", "<f>_probability"; per
 *              category output "<f>_probability" and "<f>_probabilities_<l>"
 *              for every label l of idx2str (<UNK> included); per text
 *              output "<f>_response", each row's tokens joined by spaces.
 *    where V is a tensor as nested arrays of its shape ([B] -> [..],
 *    [B,C] -> [[..],..]), bool tensors as true/false; a List[str] as an array
 *    of strings; a List[List[str]] as an array of arrays of strings; a
 *    List[Tensor] as an array of nested arrays.
 *  LI_STAGE_PREPROCESS: {"<input feature>": T, ...}
 *  LI_STAGE_PREDICT:    {"<f>::<key>": T, ...}
 *    where T is {"dtype": "float32", "shape": [..], "data": [flat, row-major]}
 *    (dtype names: float32 float64 int32 int64 uint8 bool int8 int16).
 *
 * JSON never contains NaN or Infinity: they are written as null.
 */
/**
 * What an li_infer call runs.
 *
 *  LI_STAGE_ALL          table values in, three stages, output form out
 *  LI_STAGE_PREPROCESS   table values in, preprocessor only; out: one tensor
 *                        per input feature name
 *  LI_STAGE_PREDICT      preprocessed tensors in (named by input feature);
 *                        out: "<feature>::<key>" tensors
 *  LI_STAGE_POSTPROCESS  "<feature>::<key>" tensors in; out: the output form
 *
 * Tensors cross between stages either as li_tensor buffers or in the request
 * JSON as {"<name>": {"dtype": "float32", "shape": [2, 3], "data": [...]}}
 * (data flattened in row-major order), the same encoding the JSON responses of
 * the first two stages use.
 */
typedef enum li_stage {
  LI_STAGE_ALL = 0,
  LI_STAGE_PREPROCESS = 1,
  LI_STAGE_PREDICT = 2,
  LI_STAGE_POSTPROCESS = 3
} li_stage;

/** Log levels for li_set_log_callback. */
typedef enum li_log_level {
  LI_LOG_DEBUG = 0,
  LI_LOG_INFO = 1,
  LI_LOG_WARN = 2,
  LI_LOG_ERROR = 3
} li_log_level;

/** An open model. Opaque; created by li_load, released by li_close. */
typedef struct li_model li_model;

/** The outcome of one li_infer call. Opaque; released by li_result_free. */
typedef struct li_result li_result;

/**
 * A tensor buffer: a dense, row-major (C-contiguous) array.
 *
 * As an input (li_infer's `tensors`): every pointer is caller-owned and only
 * read during the li_infer call; the library copies nothing it does not have
 * to and keeps no pointer after the call returns.
 *   name         feature name (LI_STAGE_ALL / LI_STAGE_PREPROCESS /
 *                LI_STAGE_PREDICT) or "<feature>::<key>" (LI_STAGE_POSTPROCESS).
 *                Several tensors with the same name form a list, in order:
 *                how images of different sizes (each [C,H,W]) and audio clips
 *                (each [channels, samples]) are passed; a single tensor is
 *                a whole column ([B] for numbers, [B,D] vectors, [B,9] dates,
 *                [B,C,H,W] images).
 *   dtype        element type
 *   ndim, shape  rank and dimensions (shape may be NULL when ndim is 0)
 *   data         the elements; may be NULL only when the tensor is empty
 *   nbytes       byte length of data; must equal product(shape) * dtype size
 *   sample_rate  audio clips only: the waveform's sample rate in Hz; else 0
 *
 * As an output (li_result_tensor): every pointer is owned by the li_result and
 * stays valid until li_result_free; the li_tensor struct itself is the
 * caller's.
 */
typedef struct li_tensor {
  const char *name;
  li_dtype dtype;
  size_t ndim;
  const int64_t *shape;
  const void *data;
  size_t nbytes;
  int64_t sample_rate;
} li_tensor;

/**
 * Per-call options. Initialise with LI_INFER_OPTIONS_INIT (or set struct_size
 * to sizeof(li_infer_options)) so that later versions can grow the struct.
 *   struct_size     sizeof(li_infer_options) as the caller compiled it
 *   stage           which stages run (li_stage)
 *   form            the output form of LI_STAGE_ALL / LI_STAGE_POSTPROCESS
 *   timeout_ms      a deadline relative to the start of the call; 0 = none.
 *                   Checked before and between stages (a libtorch forward
 *                   cannot be interrupted): LI_ERR_CANCELLED when passed.
 *   tensor_outputs  0: every output is in the JSON. Nonzero: every tensor
 *                   output is returned as an li_tensor named "<feature>::<key>"
 *                   (or the input feature name after LI_STAGE_PREPROCESS) and
 *                   left out of the JSON; lists of strings stay in the JSON.
 */
typedef struct li_infer_options {
  size_t struct_size;
  li_stage stage;
  li_form form;
  int64_t timeout_ms;
  int tensor_outputs;
} li_infer_options;

/** Default options: all stages, columns form, no deadline, JSON outputs. */
#define LI_INFER_OPTIONS_INIT \
  { sizeof(li_infer_options), LI_STAGE_ALL, LI_FORM_COLUMNS, 0, 0 }

/**
 * The library's ABI version (LI_ABI_VERSION of the header it was built from).
 * Bindings refuse a library whose ABI version they do not know. Never fails.
 */
int li_abi_version(void);

/**
 * The library version, e.g. "0.1.0". The string is static: never free it.
 * Never fails.
 */
const char *li_version(void);

/**
 * The version of the libtorch the library was built against, e.g. "1.13.1",
 * or "" for a library built without libtorch (./build.sh --no-libtorch).
 * The string is static: never free it. Never fails.
 */
const char *li_torch_version(void);

/**
 * Frees a buffer the library returned (error messages, JSON strings).
 * NULL is a harmless no-op. Never use it on a li_model or li_result.
 */
void li_free(void *ptr);

/**
 * Sets libtorch's intra-op thread count for the whole process (libtorch's
 * pool is process-global). Must be called before the first li_load; later it
 * fails with LI_ERR_INVALID_ARGUMENT. n must be >= 1. When never called, the
 * library uses 1 thread per call, the best setting measured for small models.
 * The Go engine (load option "engine") runs each call on the calling thread
 * and ignores the count; in a library without libtorch the call only
 * validates n. Thread-safe.
 */
li_status li_set_threads(int n, char **err);

/**
 * A log sink: receives every message the library would print, with its
 * level. `message` is valid only during the call. `user` is the pointer given
 * to li_set_log_callback. May be called from any thread.
 */
typedef void (*li_log_fn)(li_log_level level, const char *message, void *user);

/**
 * Installs (fn non-NULL) or removes (fn NULL) the process-wide log callback;
 * messages below min_level are dropped. By default nothing is printed.
 * Never fails. Thread-safe.
 */
void li_set_log_callback(li_log_fn fn, void *user, li_log_level min_level);

/**
 * Opens an export.
 *   path          in, not NULL: an export directory (the three .pt files and
 *                 the JSON files, or a --model_only directory with only the
 *                 predictor); a scripted InferenceModule (one .pt file from
 *                 torch.jit.script(InferenceModule) / to_torchscript(), or a
 *                 directory holding one and no stage files - stage files
 *                 win); or a .carton (Ludwig's export_carton; its MANIFEST
 *                 sha256 sums are checked, and its module returns
 *                 predictions only, so every answer holds predictions only).
 *                 Beside a .pt or .carton, model_hyperparameters.json and
 *                 training_set_metadata.json give the feature schema;
 *                 without them it is read from the module (model info's
 *                 "artifact" says which, and what is unknown). Or a model
 *                 folder saved by Ludwig >= 0.13: the two JSON files and
 *                 model.pt2 (`ludwig export_model -f torch_export`, or
 *                 `python -m ludwig_infer.export`), told apart from an export
 *                 directory by having a model.pt2 and no
 *                 inference_predictor-<device>.pt (or a model.pt2 file
 *                 beside the JSON files, or the "graph" option below); it
 *                 runs in Go in every build, with LudwigModel.predict's
 *                 preprocessing and postprocessing (model info's "artifact":
 *                 {"kind": "ludwig_model", "ludwig_version", "torch_version",
 *                 "batch": {"fixed": N} or {"min": A, "max": B}}). A folder
 *                 with model_weights.safetensors and no model.pt2 is
 *                 LI_ERR_NOT_FOUND saying how to write one. Read only during
 *                 the call.
 *   options_json  in, nullable: a JSON object, read only during the call:
 *                   "device":  "cpu" (default), "cuda", "cuda:N" - the
 *                              predictor's device; pre/postprocessing run on
 *                              the CPU. The predictor file for the device is
 *                              chosen, else the only predictor present is
 *                              loaded onto the device (explicit map_location).
 *                              A CUDA device libtorch cannot see (CPU-only
 *                              libtorch, no GPU) is LI_ERR_INVALID_ARGUMENT.
 *                   "warmup":  true (default) runs every stage once at load
 *                              on generated rows, so first calls are fast.
 *                   "extensions": ["/path/libtorchaudio.so", ...] custom-op
 *                              libraries to load first (what Python's
 *                              torch.ops.load_library does).
 *                   "stages":  "auto" (default) preprocesses and postprocesses
 *                              natively (in Go, with the constants read from
 *                              the scripted modules, exactly as TorchScript
 *                              does) every feature whose module is
 *                              recognised, and runs TorchScript for the rest
 *                              (image and audio inputs); "torchscript" runs
 *                              only the exported TorchScript stages; "native"
 *                              requires every feature to run natively and
 *                              fails with LI_ERR_MODEL naming those that
 *                              cannot. Without libtorch every feature must
 *                              run natively ("torchscript" is
 *                              LI_ERR_INVALID_ARGUMENT).
 *                   "engine":  what runs the predictor: "auto" (default)
 *                              libtorch when the library was built with it,
 *                              else Go; "libtorch"; "go" (export directories
 *                              on the CPU only; a predictor using an operator
 *                              the Go engine lacks fails with LI_ERR_MODEL
 *                              naming it). "libtorch" in a library built
 *                              without it is LI_ERR_INVALID_ARGUMENT.
 *                              A Ludwig model folder's graph always runs in
 *                              Go: "libtorch" is LI_ERR_INVALID_ARGUMENT.
 *                   "graph":   "/path/to/model.pt2": the exported graph of a
 *                              Ludwig >= 0.13 model folder whose path is the
 *                              folder holding the two JSON files (export_model
 *                              writes model.pt2 elsewhere). Such a model has
 *                              all four stages: LI_STAGE_PREPROCESS gives the
 *                              graph's inputs (one tensor per input feature,
 *                              by name), LI_STAGE_PREDICT takes them and
 *                              returns every graph output ("<f>::logits",
 *                              "<f>::last_hidden", ..., "used_tokens" when the
 *                              call ran as one chunk), LI_STAGE_POSTPROCESS
 *                              takes the "<f>::logits" tensors. Options
 *                              "stages": "torchscript", a device other than
 *                              "cpu" and "extensions" do not apply to it:
 *                              LI_ERR_INVALID_ARGUMENT.
 *   out           out, not NULL: receives the model; release with li_close.
 * Errors: LI_ERR_NOT_FOUND (no such directory/file), LI_ERR_MODEL (corrupt
 * export, missing custom-op library - the message names it; a damaged
 * .carton, a MANIFEST sha256 mismatch, a missing carton.toml or
 * model/model.pt),
 * LI_ERR_INVALID_ARGUMENT (bad options). Thread-safe.
 */
li_status li_load(const char *path, const char *options_json, li_model **out,
                  char **err);

/**
 * Closes a model. NULL, and a model already closed, are harmless no-ops.
 * Calls in flight on the model in other threads finish first; later calls
 * with the handle return LI_ERR_CLOSED. Results already returned stay valid
 * (they own their memory). Thread-safe.
 */
void li_close(li_model *model);

/**
 * Model information as JSON (the same schema as `ludwig-infer info`, the
 * Python `schema` and Rust `schema()`):
 *   {"abi_version", "version", "torch_version", "path",
 *    "files": {"preprocessor", "predictor", "postprocessor", ...},
 *    "devices": {"preprocessor": "cpu", "predictor": "cpu", ...},
 *    "inputs": [{"name", "column", "type", "forms": [...], "dtype", "shape"}],
 *    "outputs": [{"name", "column", "type", "keys": [...], "labels": [...]}],
 *    "warnings": [...],
 *    "artifact": {"kind": "torchscript_export" | "inference_module" | "carton",
 *                 "path", "schema": "json" | "module" | "none",
 *                 "outputs": "all" | "predictions", "stages": [...],
 *                 "unknown": ["column", "datetime_format", "vector_size"],
 *                 "carton": {carton.toml's fields}, "manifest_sha256"},
 *    "stages": {"mode": "auto" | "torchscript" | "native",
 *               "native_inputs": [...], "native_outputs": [...],
 *               "torchscript": ["input feature \"photo\" (...): why", ...]}}
 *   model     in, not NULL
 *   out_json  out, not NULL: a NUL-terminated string; free with li_free.
 * Thread-safe.
 */
li_status li_model_info(li_model *model, char **out_json, char **err);

/**
 * Runs a model.
 *   model         in, not NULL.
 *   request       in, nullable when request_len is 0 and tensors carry every
 *                 input: a UTF-8 JSON request of request_len bytes (need not
 *                 be NUL-terminated), read only during the call. Forms:
 *                   column dict  {"age": [31, 42], "city": ["a", "b"]}
 *                   records      [{"age": 31, "city": "a"}, ...]
 *                   split        {"columns": ["age", "city"],
 *                                 "data": [[31, "a"], [42, "b"]]}
 *                 Keys are input feature names or their config `column`s.
 *                 A JSON null is a missing value.
 *   tensors       in, nullable when n_tensors is 0: caller-owned buffers (see
 *                 li_tensor), read only during the call. A tensor and a JSON
 *                 column with the same name is an error.
 *   options       in, nullable (NULL = LI_INFER_OPTIONS_INIT).
 *   out           out, not NULL: receives the result; free with
 *                 li_result_free. Independent of the model (survives li_close).
 * Errors: LI_ERR_INPUT (bad request), LI_ERR_RUNTIME, LI_ERR_CANCELLED,
 * LI_ERR_CLOSED, LI_ERR_INVALID_ARGUMENT.
 * Thread-safe: many threads may call li_infer on one model at once.
 */
li_status li_infer(li_model *model, const char *request, size_t request_len,
                   const li_tensor *tensors, size_t n_tensors,
                   const li_infer_options *options, li_result **out, char **err);

/**
 * The JSON of a result (NUL-terminated; *len, when len is non-NULL, receives
 * its length without the NUL). Owned by the result: valid until
 * li_result_free; do not free it. NULL result gives NULL. Never fails.
 */
const char *li_result_json(const li_result *result, size_t *len);

/** The number of tensors in a result (0 for NULL). Never fails. */
size_t li_result_tensor_count(const li_result *result);

/**
 * Describes tensor `index` of a result in *out. Every pointer written into
 * *out is owned by the result and valid until li_result_free.
 * Errors: LI_ERR_INVALID_ARGUMENT (NULL result or out, index out of range).
 */
li_status li_result_tensor(const li_result *result, size_t index,
                           li_tensor *out, char **err);

/** Frees a result and everything it owns. NULL is a harmless no-op. */
void li_result_free(li_result *result);

/**
 * A message for a status code ("LI_ERR_INPUT: ..."). Static: never free it.
 * Unknown codes give "unknown status". Never fails.
 */
const char *li_status_string(li_status status);

/**
 * Loads a model from the bytes of a single-file archive in memory (what
 * Spark broadcasts and Ray's object store ship), with the same options,
 * result and errors as li_load. Appended in ABI version 1 (libraries from
 * before it lack the symbol: look it up with dlsym to support them).
 *   data          in, nullable when len is 0: the archive's bytes, read only
 *                 during the call (the caller keeps ownership; the library
 *                 keeps no pointer into them). What it is comes from its
 *                 content, not a name:
 *                   - a Carton (a zip with carton.toml or MANIFEST at its
 *                     root): loaded as a .carton file;
 *                   - a TorchScript archive (a zip with data.pkl and code/):
 *                     loaded as a scripted InferenceModule .pt file;
 *                   - any other zip, a tar (POSIX/GNU) or a gzip-compressed
 *                     tar: a folder li_load opens (an export directory, or
 *                     a folder with one .pt or .carton). An archive holding
 *                     one top-level folder and nothing else loads that
 *                     folder (`tar -cf m.tar -C testdata/models tabular`).
 *   len           in: the number of bytes at data (at most 1 TiB).
 *   options_json  in, nullable: li_load's options, read only during the call.
 *   out           out, not NULL: receives the model; release with li_close.
 * Before anything is written the archive is checked (docs/reliability.md):
 * at most 10,000 entries (MaxBundleEntries), 64 GiB unpacked in all
 * (MaxBundleBytes, as declared and as read), compressed entries and gzip
 * streams over 1 MiB expanding at most 200 times (MaxArchiveRatio), only
 * regular files and folders (no symlinks, hard links, devices, FIFOs), no
 * name twice, no absolute name or one with "..". The files are unpacked into
 * a private temporary folder ($TMPDIR, else /tmp: it needs room for the
 * unpacked model) that is removed before the call returns, whatever the
 * outcome. Model info and error messages name that folder "<buffer>".
 * Errors: LI_ERR_INVALID_ARGUMENT (out NULL, data NULL with len > 0, len 0,
 * bad options), LI_ERR_MODEL (not a zip, tar or tar.gz; a damaged archive;
 * an archive past a limit above - the message names the entry and the
 * limit; and every LI_ERR_MODEL of li_load), LI_ERR_NOT_FOUND (li_load's,
 * for what the unpacked folder lacks), LI_ERR_RUNTIME (the temporary folder
 * cannot be created or written). Thread-safe.
 */
li_status li_load_buffer(const void *data, size_t len, const char *options_json,
                         li_model **out, char **err);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* LUDWIG_INFER_H */
