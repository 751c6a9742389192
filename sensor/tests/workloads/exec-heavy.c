/* Benchmark: hundreds of short processes (fork + exec of a static probe + wait), the pattern
 * of a shell script or a build. exec-heavy [N] [PROBE] (default 300, /w/probe). */
#include <fcntl.h>
#include <sys/wait.h>
#include "expect.h"

extern char **environ;

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 300;
    const char *probe = argc > 2 ? argv[2] : "/w/probe";
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) DIE("fork");
        if (pid == 0) {
            char *args[] = {(char *)probe, "--open", "/etc/hostname", NULL};
            int devnull = open("/dev/null", 1);
            if (devnull >= 0) dup2(devnull, 1);
            execve(probe, args, environ);
            _exit(127);
        }
        int st;
        if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) DIE("child");
    }
    printf("ran %d processes\n", n);
    return 0;
}
