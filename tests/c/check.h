/* check.h - the CHECK macro and its counters shared by the C tests (one
 * translation unit each): a failed check prints its place and message on
 * stderr and counts; main reports checks and failures. */
#ifndef LI_TESTS_CHECK_H
#define LI_TESTS_CHECK_H

#include <stdio.h>

static int failures = 0, checks = 0;

#define CHECK(cond, ...)                                   \
  do {                                                     \
    checks++;                                              \
    if (!(cond)) {                                         \
      failures++;                                          \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                        \
      fprintf(stderr, "\n");                               \
    }                                                      \
  } while (0)

#endif
