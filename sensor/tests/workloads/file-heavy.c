/* Benchmark: thousands of opens (open, read a little, close) over a small set of files, the
 * pattern of a program scanning a config tree. usage: file-heavy [N] (default 20000). */
#include <fcntl.h>
#include <sys/stat.h>
#include "expect.h"

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    char path[64];
    if (mkdir("/tmp/creach-fh", 0755) < 0 && errno != EEXIST) DIE("mkdir");
    for (int i = 0; i < 100; i++) {
        snprintf(path, sizeof path, "/tmp/creach-fh/f%03d", i);
        write_file(path, "0123456789\n");
    }
    char buf[16];
    long total = 0;
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "/tmp/creach-fh/f%03d", i % 100);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) DIE(path);
        ssize_t r = read(fd, buf, sizeof buf);
        if (r > 0) total += r;
        close(fd);
    }
    printf("read %ld bytes in %d opens\n", total, n);
    return 0;
}
