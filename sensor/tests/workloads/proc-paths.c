/* Image files reached through /proc: /proc/self/root/..., /proc/self/cwd/... and re-opening an
 * O_PATH descriptor through /proc/self/fd/N (a common way to open a file checked earlier). The
 * named path starts with /proc, but the file used is a regular file of the image, which the
 * kernel resolves (strace -y shows it), so the report must show it. */
#define _GNU_SOURCE
#include <fcntl.h>
#include "expect.h"

static void open_read(const char *named, const char *real) {
    int fd = open(named, O_RDONLY | O_CLOEXEC);
    if (fd < 0) DIE(named);
    close(fd);
    expect("read", real);
}

int main(void) {
    open_read("/proc/self/root/etc/security/limits.conf", "/etc/security/limits.conf");
    if (chdir("/etc/default") < 0) DIE("chdir");
    open_read("/proc/self/cwd/useradd", "/etc/default/useradd");
    int pfd = open("/etc/ld.so.conf.d/libc.conf", O_PATH | O_CLOEXEC);
    if (pfd < 0) DIE("O_PATH");
    char via[64];
    snprintf(via, sizeof via, "/proc/self/fd/%d", pfd);
    open_read(via, "/etc/ld.so.conf.d/libc.conf");
    return 0;
}
