/* Many distinct paths (default 30,000 files created, then each opened for reading): the report
 * must either list every one or say what it dropped (dropped.paths > 0, complete: false); memory
 * stays bounded either way. many-paths [N] */
#include <fcntl.h>
#include <sys/stat.h>
#include "expect.h"

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 30000;
    char p[64];
    if (mkdir("/tmp/creach-many", 0755) < 0 && errno != EEXIST) DIE("mkdir");
    for (int i = 0; i < n; i++) {
        snprintf(p, sizeof p, "/tmp/creach-many/f%06d", i);
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) DIE(p);
        close(fd);
    }
    for (int i = 0; i < n; i++) {
        snprintf(p, sizeof p, "/tmp/creach-many/f%06d", i);
        int fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0) DIE(p);
        close(fd);
    }
    printf("opened %d distinct files\n", n);
    return 0;
}
