/* openat2 with RESOLVE_IN_ROOT: an absolute name is resolved with the dirfd as the root, so
 * openat2(dirfd=/tmp/creach-root, "/etc/motd") opens /tmp/creach-root/etc/motd, not /etc/motd
 * (which this program never opens: reporting it would make a package falsely reachable). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "expect.h"

int main(void) {
    mkdir("/tmp/creach-root", 0755);
    mkdir("/tmp/creach-root/etc", 0755);
    write_file("/tmp/creach-root/etc/motd", "rooted\n");
    int dfd = open("/tmp/creach-root", O_DIRECTORY | O_PATH | O_CLOEXEC);
    if (dfd < 0) DIE("open root dir");
    struct open_how how = {.flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
    int fd = (int)syscall(SYS_openat2, dfd, "/etc/motd", &how, sizeof how);
    if (fd < 0) DIE("openat2 RESOLVE_IN_ROOT");
    close(fd);
    expect("read", "/tmp/creach-root/etc/motd");
    return 0;
}
