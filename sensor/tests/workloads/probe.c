/* A tiny static program the other workloads exec: it proves that an exec was seen by opening the
 * files named on its command line (reported as reads) and optionally touching a marker file.
 * probe [--quiet] [--open PATH]... [--touch PATH] [--exit N]
 * --quiet: announce nothing (in a chroot the names it sees are not the image's paths). */
#include <fcntl.h>
#include "expect.h"

int main(int argc, char **argv) {
    int status = 0, quiet = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quiet")) {
            quiet = 1;
        } else if (!strcmp(argv[i], "--open") && i + 1 < argc) {
            const char *p = argv[++i];
            int fd = open(p, O_RDONLY | O_CLOEXEC);
            if (fd < 0) DIE(p);
            close(fd);
            if (!quiet) expect("read", p);
        } else if (!strcmp(argv[i], "--touch") && i + 1 < argc) {
            const char *p = argv[++i];
            write_file(p, "probe\n");
            if (!quiet) expect("write", p);
        } else if (!strcmp(argv[i], "--exit") && i + 1 < argc) {
            status = atoi(argv[++i]);
        }
    }
    return status;
}
