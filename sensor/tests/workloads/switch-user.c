/* A process that switches user (as servers drop root) and then opens and executes files: without
 * CAP_SYS_PTRACE the sensor cannot read another user's process memory, so it must either still
 * record the files (through a helper running as that user) or count the process as unreadable and
 * mark the record incomplete. Docker's default capabilities include SETUID/SETGID. */
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "expect.h"

extern char **environ;

int main(void) {
    if (mkdir("/tmp/creach-user", 0777) < 0 && errno != EEXIST) DIE("mkdir");
    chmod("/tmp/creach-user", 0777);
    write_file("/tmp/creach-user/readable.txt", "r\n");
    chmod("/tmp/creach-user/readable.txt", 0644);
    pid_t pid = fork();
    if (pid < 0) DIE("fork");
    if (pid == 0) {
        if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0) DIE("drop to nobody");
        int fd = open("/tmp/creach-user/readable.txt", O_RDONLY | O_CLOEXEC);
        if (fd < 0) DIE("open as nobody");
        close(fd);
        expect("read", "/tmp/creach-user/readable.txt");
        write_file("/tmp/creach-user/written-by-nobody.txt", "n\n");
        expect("write", "/tmp/creach-user/written-by-nobody.txt");
        expect("exec", "/w/probe");
        char *args[] = {"/w/probe", "--open", "/etc/hostname", NULL};
        execve("/w/probe", args, environ);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "workload: child as nobody failed (status %d)\n", st);
        return 99;
    }
    return 0;
}
