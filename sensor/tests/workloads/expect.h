/* Shared by the sensor test workloads: each workload announces, on stdout, the paths the sensor
 * must report, as "creach-expect: OP PATH" lines (OP as in the report: read, write, exec, stat).
 * write(2) directly, unbuffered, so lines from threads and forked children never interleave or
 * get lost in a stdio buffer when a child calls _exit. */
#ifndef CREACH_TEST_EXPECT_H
#define CREACH_TEST_EXPECT_H
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline void expect(const char *op, const char *path) {
    char line[4200];
    int n = snprintf(line, sizeof line, "creach-expect: %s %s\n", op, path);
    if (n > 0 && (size_t)n < sizeof line) {
        ssize_t w = write(1, line, (size_t)n);
        (void)w;
    }
}

/* One fatal line naming the call, as tini does; workloads exit 99 so a test can tell
 * "the workload broke" from "the sensor changed the exit status". */
#define DIE(what) do { \
    fprintf(stderr, "workload: %s: %s\n", (what), strerror(errno)); \
    exit(99); \
} while (0)

static inline void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) DIE(path);
    fputs(text, f);
    if (fclose(f) != 0) DIE(path);
}
#endif
