/* A process that daemonises (double fork + setsid) and outlives its parent: the grandchild is
 * re-parented to PID 1 (the sensor) and must still be traced, its opens and its exec included.
 * The original process waits (with a deadline) for the daemon's marker, so the container does not
 * end before the daemon has done its work. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include "expect.h"

extern char **environ;

int main(int argc, char **argv) {
    const char *probe = argc > 1 ? argv[1] : "/w/probe";
    if (mkdir("/tmp/creach-daemon", 0755) < 0 && errno != EEXIST) DIE("mkdir");
    unlink("/tmp/creach-daemon/done");
    write_file("/tmp/creach-daemon/input.txt", "in\n");

    pid_t child = fork();
    if (child < 0) DIE("fork");
    if (child == 0) {
        if (setsid() < 0) DIE("setsid");
        pid_t mid = getpid();
        pid_t grandchild = fork();
        if (grandchild < 0) DIE("fork 2");
        if (grandchild > 0) _exit(0); /* the intermediate parent goes away at once */
        /* Wait until re-parented, so the work below happens as an orphan. */
        for (int i = 0; i < 2000 && getppid() == mid; i++) usleep(1000);
        usleep(50 * 1000);
        int fd = open("/tmp/creach-daemon/input.txt", O_RDONLY | O_CLOEXEC);
        if (fd < 0) DIE("daemon open");
        close(fd);
        char *args[] = {(char *)probe, "--open", "/etc/hostname", "--touch", "/tmp/creach-daemon/done", NULL};
        execve(probe, args, environ);
        _exit(127);
    }
    int st;
    if (waitpid(child, &st, 0) < 0) DIE("waitpid");
    expect("read", "/tmp/creach-daemon/input.txt");
    expect("exec", probe);
    /* Poll for the daemon's marker with a generous deadline (never a timing assertion). */
    struct stat sb;
    for (int i = 0; i < 3000; i++) {
        if (stat("/tmp/creach-daemon/done", &sb) == 0) {
            usleep(100 * 1000); /* let probe finish writing and exit */
            printf("daemon-done\n");
            return 0;
        }
        usleep(10 * 1000);
    }
    fprintf(stderr, "workload: daemon never wrote its marker\n");
    return 98;
}
