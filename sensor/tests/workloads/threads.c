/* Threads that open files: the sensor must follow clone(CLONE_THREAD) and attribute each open,
 * however the threads interleave. The main thread creates the files first (writes), then each
 * thread opens its own file for reading. */
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include "expect.h"

#define NTHREADS 8
static char paths[NTHREADS][64];

static void *reader(void *arg) {
    const char *p = arg;
    for (int round = 0; round < 3; round++) {
        int fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0) DIE(p);
        char buf[16];
        if (read(fd, buf, sizeof buf) < 0) DIE(p);
        close(fd);
    }
    expect("read", p);
    return NULL;
}

int main(void) {
    if (mkdir("/tmp/creach-threads", 0755) < 0 && errno != EEXIST) DIE("mkdir");
    for (int i = 0; i < NTHREADS; i++) {
        snprintf(paths[i], sizeof paths[i], "/tmp/creach-threads/t%d.txt", i);
        write_file(paths[i], "thread data\n");
        expect("write", paths[i]);
    }
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        if ((errno = pthread_create(&t[i], NULL, reader, paths[i])) != 0) DIE("pthread_create");
    for (int i = 0; i < NTHREADS; i++) pthread_join(t[i], NULL);
    return 0;
}
