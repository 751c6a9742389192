/* vfork and posix_spawn: the child shares the parent's memory until it execs, so a tracer that
 * only follows fork() misses it. Each child execs probe, which opens a distinct file. */
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include "expect.h"

extern char **environ;

static void wait_ok(pid_t pid, const char *what) {
    int st;
    if (waitpid(pid, &st, 0) < 0) DIE("waitpid");
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "workload: %s child failed (status %d)\n", what, st);
        exit(99);
    }
}

int main(int argc, char **argv) {
    const char *probe = argc > 1 ? argv[1] : "/w/probe";
    write_file("/tmp/creach-vfork.txt", "v\n");
    write_file("/tmp/creach-spawn.txt", "s\n");
    write_file("/tmp/creach-spawnp.txt", "p\n");

    pid_t pid = vfork();
    if (pid < 0) DIE("vfork");
    if (pid == 0) {
        char *args[] = {(char *)probe, "--open", "/tmp/creach-vfork.txt", NULL};
        execve(probe, args, environ);
        _exit(127);
    }
    wait_ok(pid, "vfork");
    expect("exec", probe);

    char *args2[] = {(char *)probe, "--open", "/tmp/creach-spawn.txt", NULL};
    if ((errno = posix_spawn(&pid, probe, NULL, NULL, args2, environ)) != 0) DIE("posix_spawn");
    wait_ok(pid, "posix_spawn");

    /* posix_spawnp searches the caller's PATH: it first tries (and fails) /nonexistent/probe. */
    char *args3[] = {"probe", "--open", "/tmp/creach-spawnp.txt", NULL};
    if (setenv("PATH", "/nonexistent:/w", 1) < 0) DIE("setenv");
    if ((errno = posix_spawnp(&pid, "probe", NULL, NULL, args3, environ)) != 0) DIE("posix_spawnp");
    wait_ok(pid, "posix_spawnp");
    return 0;
}
