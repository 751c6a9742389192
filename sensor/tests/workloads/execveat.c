/* fexecve and execveat: the executable is named by a file descriptor (AT_EMPTY_PATH) or by a
 * path relative to a directory fd, never by an absolute path in the syscall's arguments. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "expect.h"

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
extern char **environ;

static void run_child(int how, const char *tag) {
    char marker[128];
    snprintf(marker, sizeof marker, "/tmp/creach-execveat-%s.txt", tag);
    write_file(marker, tag);
    pid_t pid = fork();
    if (pid < 0) DIE("fork");
    if (pid == 0) {
        char *args[] = {"probe", "--open", marker, NULL};
        if (how == 0) { /* fexecve: glibc uses execveat(fd, "", ..., AT_EMPTY_PATH) */
            int fd = open("/w/probe", O_RDONLY | O_CLOEXEC);
            if (fd < 0) DIE("open probe");
            fexecve(fd, args, environ);
        } else if (how == 1) { /* raw execveat with AT_EMPTY_PATH on an O_PATH fd */
            int fd = open("/w/probe", O_PATH | O_CLOEXEC);
            if (fd < 0) DIE("open probe O_PATH");
            syscall(SYS_execveat, fd, "", args, environ, AT_EMPTY_PATH);
        } else { /* execveat relative to a directory fd */
            int dfd = open("/w", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
            if (dfd < 0) DIE("open /w");
            syscall(SYS_execveat, dfd, "probe", args, environ, 0);
        }
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0) DIE("waitpid");
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "workload: execveat %s failed (status %d)\n", tag, st);
        exit(99);
    }
}

int main(void) {
    run_child(0, "fexecve");
    run_child(1, "empty-path");
    run_child(2, "dirfd");
    expect("exec", "/w/probe");
    return 0;
}
