/* A minimal test runner for the host unit tests: CHECK records a failure and carries on, so one run
 * lists every broken case; main() returns non-zero if any failed. */
#ifndef SE_TEST_CHECK_H
#define SE_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int se_checks;
static int se_failures;

#define CHECK(cond, ...)                                                  \
  do {                                                                    \
    se_checks++;                                                          \
    if (!(cond)) {                                                        \
      se_failures++;                                                      \
      fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                       \
      fputc('\n', stderr);                                                \
    }                                                                     \
  } while (0)

#define TEST_SUMMARY(name)                                                           \
  (printf("%s: %d checks, %d failed\n", name, se_checks, se_failures), se_failures ? 1 : 0)

#endif
