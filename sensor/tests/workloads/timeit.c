/* Benchmark helper: runs a command K times (fork + exec + wait) and prints each wall time and
 * the median, so the timing excludes container start-up and the sensor's own start and final
 * report. timeit [-n K] CMD ARGS...   prints "timeit: median_ns=N runs=t1,t2,..." on stderr. */
#include <sys/wait.h>
#include <time.h>
#include "expect.h"

extern char **environ;

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int k = 1, i = 1;
    if (argc > 2 && !strcmp(argv[1], "-n")) { k = atoi(argv[2]); i = 3; }
    if (i >= argc || k < 1 || k > 100) { fprintf(stderr, "usage: timeit [-n K] CMD ARGS...\n"); return 2; }
    long long t[100];
    for (int r = 0; r < k; r++) {
        long long start = now_ns();
        pid_t pid = fork();
        if (pid < 0) DIE("fork");
        if (pid == 0) {
            execve(argv[i], argv + i, environ);
            _exit(127);
        }
        int st;
        if (waitpid(pid, &st, 0) < 0) DIE("waitpid");
        t[r] = now_ns() - start;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) { fprintf(stderr, "timeit: %s failed (status %d)\n", argv[i], st); return 1; }
    }
    long long sorted[100];
    memcpy(sorted, t, sizeof(long long) * (size_t)k);
    qsort(sorted, (size_t)k, sizeof sorted[0], cmp);
    fprintf(stderr, "timeit: median_ns=%lld runs=", sorted[k / 2]);
    for (int r = 0; r < k; r++) fprintf(stderr, "%s%lld", r ? "," : "", t[r]);
    fprintf(stderr, "\n");
    return 0;
}
