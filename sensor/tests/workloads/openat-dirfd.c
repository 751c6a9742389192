/* openat / openat2 / fstatat relative to a directory fd, with a dirfd that was opened before a
 * chdir (so resolving against the cwd would be wrong), and stat-only evidence. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "expect.h"

int main(void) {
    if (mkdir("/tmp/creach-dirfd", 0755) < 0 && errno != EEXIST) DIE("mkdir");
    write_file("/tmp/creach-dirfd/a.txt", "a\n");
    write_file("/tmp/creach-dirfd/b.txt", "b\n");
    write_file("/tmp/creach-dirfd/statonly.txt", "s\n");

    int dfd = open("/tmp/creach-dirfd", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (dfd < 0) DIE("open dir");
    if (chdir("/") < 0) DIE("chdir");

    int fd = openat(dfd, "a.txt", O_RDONLY | O_CLOEXEC);
    if (fd < 0) DIE("openat a.txt");
    close(fd);
    expect("read", "/tmp/creach-dirfd/a.txt");

    struct open_how how = {.flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_BENEATH};
    fd = (int)syscall(SYS_openat2, dfd, "b.txt", &how, sizeof how);
    if (fd < 0) DIE("openat2 b.txt");
    close(fd);
    expect("read", "/tmp/creach-dirfd/b.txt");

    fd = openat(dfd, "written.txt", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) DIE("openat written.txt");
    close(fd);
    expect("write", "/tmp/creach-dirfd/written.txt");

    struct stat st;
    if (fstatat(dfd, "statonly.txt", &st, 0) < 0) DIE("fstatat");
    expect("stat", "/tmp/creach-dirfd/statonly.txt");

    int etc = open("/etc", O_DIRECTORY | O_PATH | O_CLOEXEC);
    if (etc < 0) DIE("open /etc");
    fd = openat(etc, "hostname", O_RDONLY | O_CLOEXEC);
    if (fd < 0) DIE("openat hostname");
    close(fd);
    expect("read", "/etc/hostname");
    if (faccessat(etc, "shells", R_OK, 0) < 0) DIE("faccessat shells");
    expect("stat", "/etc/shells");
    return 0;
}
