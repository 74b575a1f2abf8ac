/* host.c - the C side of FuzzCABI (tests/reliability/capifuzz): a plain C host process of
 * libludwiginfer.so (the only supported way to host a c-shared Go library:
 * a Go test process cannot load a second Go runtime) that turns each fuzz
 * input into C ABI calls and checks the ABI's rules on the answers.
 *
 * Protocol, binary, on stdin/stdout: a u32 length (little-endian) and that
 * many input bytes in; one verdict byte (0 = the rules held, 1 = a rule was
 * broken), a u32 length and a message out. A crash or abort ends the
 * process: the Go side reports it with the input.
 *
 * Input layout (every byte optional: missing ones read as 0):
 *   [0] op       0-7 li_infer, 8 li_load(options = rest), 9 li_model_info,
 *                10 li_set_threads, 11 li_result_tensor out of range
 *   li_infer:
 *   [1] handle   0 the model, 1 NULL, 2 a closed handle, 3 a made-up one
 *   [2] options  bits 0-1 stage, 2 an invalid stage, 3-4 form (3 invalid),
 *                5 tensor_outputs, 6 options NULL, 7 struct_size too small
 *   [3] flags    bit 0 request NULL (len 0), 1 err NULL, 2 out NULL,
 *                3 timeout 1 ms, 5 tensors NULL with n_tensors > 0
 *   [4] n        tensors (0-3)
 *   per tensor:  name index, dtype, ndim (bit 7: 17), one byte per dim
 *                (255 = -1), nbytes mode (0 consistent, else that byte),
 *                then the data bytes
 *   rest         the request JSON (not NUL-terminated)
 *
 *   host <model dir>
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ludwig_infer.h"

static li_model *g_model, *g_closed;
static const char *g_dir;

static char g_msg[4096];
static int g_bug;

static void bug(const char *fmt, ...) {
  if (g_bug) return; /* keep the first */
  g_bug = 1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(g_msg, sizeof g_msg, fmt, ap);
  va_end(ap);
}

typedef struct {
  const uint8_t *p;
  size_t n, i;
} reader;

static uint8_t u8(reader *r) { return r->i < r->n ? r->p[r->i++] : 0; }

static int valid_utf8(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > n) return 0;
    for (size_t k = 1; k < len; k++)
      if ((p[i + k] & 0xC0) != 0x80) return 0;
    i += len;
  }
  return 1;
}

static size_t dtype_size(li_dtype d) {
  switch (d) {
    case LI_DTYPE_FLOAT32: case LI_DTYPE_INT32: return 4;
    case LI_DTYPE_FLOAT64: case LI_DTYPE_INT64: return 8;
    case LI_DTYPE_UINT8: case LI_DTYPE_BOOL: case LI_DTYPE_INT8: return 1;
    case LI_DTYPE_INT16: return 2;
  }
  return 0;
}

static li_result *const SENTINEL = (li_result *)0x1;

/* Checks a failed call's rules: a known status, a UTF-8 message, out left
 * untouched, no poisoning. */
static void check_error(const char *call, li_status st, char *err, int want_err, li_result *out) {
  if (st < LI_OK || st > LI_ERR_INTERNAL) bug("%s: status %d is not in the table", call, (int)st);
  if (st == LI_ERR_INTERNAL) bug("%s: LI_ERR_INTERNAL (a recovered panic; the library is poisoned): %s", call, err ? err : "");
  if (want_err) {
    if (err == NULL || err[0] == 0) bug("%s: failed with %s but no message", call, li_status_string(st));
    else if (!valid_utf8(err, strlen(err))) bug("%s: message is not UTF-8", call);
  }
  if (out != SENTINEL) bug("%s: failed with %s but wrote its out-parameter", call, li_status_string(st));
  li_free(err);
}

static void check_result(li_result *r) {
  size_t len = 0;
  const char *js = li_result_json(r, &len);
  if (js == NULL) { bug("li_result_json: NULL on a result"); return; }
  if (strlen(js) != len) bug("li_result_json: len %zu but strlen %zu", len, strlen(js));
  if (!valid_utf8(js, len)) bug("li_result_json: not UTF-8");
  if (len < 2 || js[0] != '{' || js[len - 1] != '}') bug("li_result_json: not a JSON object: %.200s", js);
  size_t n = li_result_tensor_count(r);
  volatile unsigned sum = 0;
  for (size_t i = 0; i < n; i++) {
    li_tensor t;
    char *err = NULL;
    if (li_result_tensor(r, i, &t, &err) != LI_OK) { bug("li_result_tensor(%zu of %zu) failed: %s", i, n, err); li_free(err); continue; }
    if (t.name == NULL || !valid_utf8(t.name, strlen(t.name))) bug("result tensor %zu: bad name", i);
    size_t es = dtype_size(t.dtype);
    if (es == 0) { bug("result tensor %zu: dtype %d", i, (int)t.dtype); continue; }
    size_t want = es;
    for (size_t k = 0; k < t.ndim; k++) {
      if (t.shape[k] < 0) bug("result tensor %zu: negative dim", i);
      want *= (size_t)t.shape[k];
    }
    if (want != t.nbytes) bug("result tensor %zu: nbytes %zu for shape of %zu bytes", i, t.nbytes, want);
    for (size_t k = 0; k < t.nbytes; k++) sum += ((const unsigned char *)t.data)[k];
  }
  li_tensor t;
  li_tensor before;
  memset(&t, 0x5a, sizeof t);
  before = t;
  char *err = NULL;
  li_status st = li_result_tensor(r, n, &t, &err);
  if (st != LI_ERR_INVALID_ARGUMENT) bug("li_result_tensor(index = count) gave %s", li_status_string(st));
  if (memcmp(&t, &before, sizeof t) != 0) bug("li_result_tensor: out-parameter written on error");
  li_free(err);
  (void)sum;
}

static const char *NAMES[] = {"Age", "age", "city", "member", "cell", "plan::probabilities",
                              "plan::logits", "plan::predictions", "x", ""};

static void do_infer(reader *r) {
  uint8_t h = u8(r), o = u8(r), fl = u8(r), nt = u8(r) % 4;
  li_model *m = g_model;
  switch (h % 4) {
    case 1: m = NULL; break;
    case 2: m = g_closed; break;
    case 3: m = (li_model *)(uintptr_t)(0x1000 + (h >> 2) * 7919u); break;
  }
  li_infer_options opts = LI_INFER_OPTIONS_INIT;
  opts.stage = (li_stage)((o & 4) ? 4 + (o & 3) : (o & 3));
  opts.form = (li_form)((o >> 3) & 3);
  opts.tensor_outputs = (o >> 5) & 1;
  if (o & 0x80) opts.struct_size = sizeof(size_t);
  if (fl & 8) opts.timeout_ms = 1;
  li_tensor ts[3];
  int64_t shapes[3][17];
  void *datas[3] = {NULL, NULL, NULL};
  for (int i = 0; i < nt; i++) {
    uint8_t ni = u8(r), dt = u8(r), nd = u8(r);
    size_t ndim = (nd & 0x80) ? 17 : nd % 5;
    li_tensor *t = &ts[i];
    t->name = NAMES[ni % 10];
    if (ni == 255) t->name = NULL;
    t->dtype = (li_dtype)(dt % 10);
    t->ndim = ndim;
    t->sample_rate = 0;
    size_t count = 1;
    for (size_t k = 0; k < ndim; k++) {
      uint8_t d = u8(r);
      shapes[i][k] = d == 255 ? -1 : d;
      count *= d == 255 ? 1 : d;
    }
    t->shape = ndim ? shapes[i] : NULL;
    uint8_t mode = u8(r);
    size_t es = dtype_size(t->dtype);
    size_t nbytes = mode == 0 && es ? count * es : mode;
    if (nbytes > (1u << 20)) nbytes = mode; /* stay small: a mismatch */
    datas[i] = nbytes ? malloc(nbytes) : NULL;
    for (size_t k = 0; k < nbytes; k++) ((uint8_t *)datas[i])[k] = u8(r);
    t->data = datas[i];
    t->nbytes = nbytes;
  }
  size_t rlen = r->n - r->i;
  char *req = rlen ? malloc(rlen) : NULL; /* exactly rlen: no NUL after it */
  if (rlen) memcpy(req, r->p + r->i, rlen);
  const char *reqp = (fl & 1) ? NULL : req;
  size_t reql = (fl & 1) ? 0 : rlen;
  size_t n_tensors = nt;
  const li_tensor *tsp = nt ? ts : NULL;
  if (fl & 32) { tsp = NULL; n_tensors = nt ? nt : 1; }
  li_result *out = SENTINEL;
  char *err = NULL;
  li_status st = li_infer(m, reqp, reql, tsp, n_tensors, (o & 0x40) ? NULL : &opts,
                          (fl & 4) ? NULL : &out, (fl & 2) ? NULL : &err);
  if (getenv("LI_HOST_DEBUG"))
    fprintf(stderr, "li_infer: %s %s\n", li_status_string(st), st == LI_OK ? li_result_json(out, NULL) : err ? err : "");
  if (st == LI_OK) {
    if (fl & 4) bug("li_infer succeeded with out NULL");
    else if (out == SENTINEL || out == NULL) bug("li_infer succeeded without a result");
    else {
      check_result(out);
      li_result_free(out);
    }
    if (m != g_model) bug("li_infer succeeded on a bad handle");
  } else {
    check_error("li_infer", st, err, !(fl & 2), out);
  }
  free(req);
  for (int i = 0; i < nt; i++) free(datas[i]);
}

static void do_load(reader *r) {
  size_t rlen = r->n - r->i;
  char *opts = malloc(rlen + 1);
  memcpy(opts, r->p + r->i, rlen);
  opts[rlen] = 0;
  li_result *out = SENTINEL;
  li_model *m = (li_model *)SENTINEL;
  char *err = NULL;
  li_status st = li_load(g_dir, opts, &m, &err);
  if (st == LI_OK) {
    li_close(m);
  } else {
    if (m != (li_model *)SENTINEL) bug("li_load failed but wrote its out-parameter");
    check_error("li_load", st, err, 1, out);
  }
  free(opts);
}

static void do_info(reader *r) {
  uint8_t h = u8(r);
  li_model *m = h % 3 == 0 ? g_model : h % 3 == 1 ? g_closed : NULL;
  char *js = (char *)SENTINEL, *err = NULL;
  li_status st = li_model_info(m, &js, &err);
  if (st == LI_OK) {
    if (m != g_model) bug("li_model_info succeeded on a bad handle");
    if (!valid_utf8(js, strlen(js))) bug("li_model_info: not UTF-8");
    li_free(js);
  } else {
    if (js != (char *)SENTINEL) bug("li_model_info failed but wrote its out-parameter");
    check_error("li_model_info", st, err, 1, SENTINEL);
  }
}

static int read_full(void *p, size_t n) { return fread(p, 1, n, stdin) == n; }

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: host <model dir>\n");
    return 2;
  }
  g_dir = argv[1];
  char *err = NULL;
  if (li_load(g_dir, NULL, &g_model, &err) != LI_OK || li_load(g_dir, "{\"warmup\": false}", &g_closed, &err) != LI_OK) {
    fprintf(stderr, "host: cannot load %s: %s\n", g_dir, err);
    return 1;
  }
  li_close(g_closed);
  uint32_t len;
  uint8_t *buf = NULL;
  while (read_full(&len, 4)) {
    buf = realloc(buf, len ? len : 1);
    if (len && !read_full(buf, len)) break;
    reader r = {buf, len, 0};
    g_bug = 0;
    g_msg[0] = 0;
    uint8_t op = u8(&r) % 12;
    if (op < 8) do_infer(&r);
    else if (op == 8) do_load(&r);
    else if (op == 9) do_info(&r);
    else if (op == 10) {
      li_status st = li_set_threads((int)(int8_t)u8(&r), &err);
      if (st == LI_OK) bug("li_set_threads succeeded after a load");
      else check_error("li_set_threads", st, err, 1, SENTINEL);
      err = NULL;
    } else {
      /* Free functions take NULL and results survive li_close: nothing to
       * break here but the table of statuses. */
      li_free(NULL);
      li_result_free(NULL);
      li_close(NULL);
      li_close(g_closed);
      if (li_result_json(NULL, NULL) != NULL || li_result_tensor_count(NULL) != 0) bug("NULL result accessors");
    }
    uint8_t verdict = (uint8_t)g_bug;
    uint32_t ml = (uint32_t)strlen(g_msg);
    fwrite(&verdict, 1, 1, stdout);
    fwrite(&ml, 4, 1, stdout);
    fwrite(g_msg, 1, ml, stdout);
    fflush(stdout);
  }
  free(buf);
  li_close(g_model);
  return 0;
}
