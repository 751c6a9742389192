/* A non-main thread calls execve while other threads keep opening files: the kernel kills the
 * other threads and the exec'ing thread takes over the thread-group id (de_thread), so a tracer
 * keyed by thread id sees the exec come from one tid and the new program run under another. */
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include "expect.h"

extern char **environ;

static int spinning; /* spinners that have opened their file at least once */

static void *spinner(void *arg) {
    (void)arg;
    for (int first = 1;; first = 0) {
        int fd = open("/tmp/creach-thread-exec/spin.txt", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) close(fd);
        if (first) __atomic_add_fetch(&spinning, 1, __ATOMIC_SEQ_CST);
        usleep(1000);
    }
    return NULL;
}

static void *execer(void *arg) {
    (void)arg;
    usleep(20 * 1000);
    expect("exec", "/w/probe");
    expect("read", "/tmp/creach-thread-exec/after-exec.txt");
    char *args[] = {"/w/probe", "--open", "/tmp/creach-thread-exec/after-exec.txt", NULL};
    execve("/w/probe", args, environ);
    DIE("execve from a thread");
}

int main(void) {
    if (mkdir("/tmp/creach-thread-exec", 0755) < 0 && errno != EEXIST) DIE("mkdir");
    write_file("/tmp/creach-thread-exec/spin.txt", "s\n");
    write_file("/tmp/creach-thread-exec/after-exec.txt", "a\n");
    expect("read", "/tmp/creach-thread-exec/spin.txt");
    pthread_t t[4];
    for (int i = 0; i < 3; i++) pthread_create(&t[i], NULL, spinner, NULL);
    /* the exec must happen while the siblings run, however loaded the machine (no fixed sleep) */
    for (int i = 0; i < 30000 && __atomic_load_n(&spinning, __ATOMIC_SEQ_CST) < 3; i++) usleep(1000);
    if (__atomic_load_n(&spinning, __ATOMIC_SEQ_CST) < 3) { fprintf(stderr, "workload: spinners never ran\n"); return 99; }
    pthread_create(&t[3], NULL, execer, NULL);
    pthread_join(t[3], NULL);
    return 98;
}
