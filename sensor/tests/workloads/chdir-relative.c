/* Relative paths after chdir: the sensor must resolve them against the process's cwd at the
 * moment of the call (chdir, then fchdir), and an exec of "./probe" against the cwd too. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "expect.h"

extern char **environ;

static void open_read(const char *rel, const char *abs) {
    int fd = open(rel, O_RDONLY | O_CLOEXEC);
    if (fd < 0) DIE(rel);
    close(fd);
    expect("read", abs);
}

int main(void) {
    if (mkdir("/tmp/creach-rel", 0755) < 0 && errno != EEXIST) DIE("mkdir");
    if (mkdir("/tmp/creach-rel/sub", 0755) < 0 && errno != EEXIST) DIE("mkdir sub");
    write_file("/tmp/creach-rel/top.txt", "top\n");
    write_file("/tmp/creach-rel/sub/inner.txt", "inner\n");

    if (chdir("/tmp/creach-rel") < 0) DIE("chdir");
    open_read("sub/inner.txt", "/tmp/creach-rel/sub/inner.txt");
    if (chdir("sub") < 0) DIE("chdir sub");
    open_read("../top.txt", "/tmp/creach-rel/top.txt");
    open_read("./inner.txt", "/tmp/creach-rel/sub/inner.txt");

    int dfd = open("/etc", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (dfd < 0 || fchdir(dfd) < 0) DIE("fchdir /etc");
    open_read("passwd", "/etc/passwd");

    if (chdir("/w") < 0) DIE("chdir /w");
    pid_t pid = fork();
    if (pid < 0) DIE("fork");
    if (pid == 0) {
        char *args[] = {"./probe", NULL};
        execve("./probe", args, environ);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) DIE("./probe");
    expect("exec", "/w/probe");
    return 0;
}
