/* The write-side calls (recorded as writes: rename, unlink, mkdir, truncate, chmod, chown, link,
 * symlink) and the stat-side calls (recorded as stat: stat, lstat, statx, access, faccessat2,
 * readlink). Each path is used by exactly one call, so the op the report shows comes from that
 * call alone. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "expect.h"

/* Files of the image that nothing else in this program touches, so each op comes from one call. */
int main(void) {
    if (rename("/etc/e2scrub.conf", "/etc/e2scrub.conf.renamed") < 0) DIE("rename");
    expect("write", "/etc/e2scrub.conf");
    expect("write", "/etc/e2scrub.conf.renamed");
    if (unlink("/etc/mke2fs.conf") < 0) DIE("unlink");
    expect("write", "/etc/mke2fs.conf");
    if (mkdir("/tmp/creach-ws-dir", 0755) < 0) DIE("mkdir");
    expect("write", "/tmp/creach-ws-dir");
    if (truncate("/etc/xattr.conf", 1) < 0) DIE("truncate");
    expect("write", "/etc/xattr.conf");
    if (chmod("/etc/gai.conf", 0600) < 0) DIE("chmod");
    expect("write", "/etc/gai.conf");
    if (chown("/etc/deluser.conf", 0, 0) < 0) DIE("chown");
    expect("write", "/etc/deluser.conf");
    if (link("/etc/motd", "/etc/motd.hardlink") < 0) DIE("link");
    expect("write", "/etc/motd.hardlink");
    if (symlink("/etc/motd", "/tmp/creach-ws-symlink") < 0) DIE("symlink");
    expect("write", "/tmp/creach-ws-symlink");

    /* stat side, on files in the image that nothing else here touches */
    struct stat st;
    if (stat("/etc/host.conf", &st) < 0) DIE("stat");
    expect("stat", "/etc/host.conf");
    if (lstat("/etc/nsswitch.conf", &st) < 0) DIE("lstat");
    expect("stat", "/etc/nsswitch.conf");
    struct statx sx;
    if (statx(AT_FDCWD, "/etc/login.defs", 0, STATX_BASIC_STATS, &sx) < 0) DIE("statx");
    expect("stat", "/etc/login.defs");
    if (access("/etc/profile", R_OK) < 0) DIE("access");
    expect("stat", "/etc/profile");
    if (syscall(SYS_faccessat2, AT_FDCWD, "/etc/bash.bashrc", R_OK, AT_EACCESS) < 0) DIE("faccessat2");
    expect("stat", "/etc/bash.bashrc");
    char buf[256];
    if (readlink("/etc/os-release", buf, sizeof buf) < 0) DIE("readlink");
    expect("stat", "/etc/os-release");
    /* a lookup that fails is not a use */
    if (open("/etc/creach-does-not-exist", O_RDONLY) >= 0) DIE("open of a missing file succeeded");
    return 0;
}
