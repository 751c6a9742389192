/* A process that chroots (as privilege-separated servers do) and then opens and executes files by
 * absolute paths inside the jail: /etc/hostname inside is /tmp/creach-jail/etc/hostname in the
 * image, and the report must name the file that was really used. Docker's default capabilities
 * include SYS_CHROOT. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "expect.h"

extern char **environ;

static void copy(const char *from, const char *to) {
    int in = open(from, O_RDONLY | O_CLOEXEC);
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    if (in < 0 || out < 0) DIE("copy");
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) DIE("copy write");
    close(in);
    close(out);
}

int main(void) {
    mkdir("/tmp/creach-jail", 0755);
    mkdir("/tmp/creach-jail/etc", 0755);
    write_file("/tmp/creach-jail/etc/hostname", "jail\n");
    write_file("/tmp/creach-jail/etc/inside.txt", "inside\n");
    copy("/w/probe", "/tmp/creach-jail/probe");
    pid_t pid = fork();
    if (pid < 0) DIE("fork");
    if (pid == 0) {
        if (chroot("/tmp/creach-jail") < 0) DIE("chroot");
        if (chdir("/") < 0) DIE("chdir");
        int fd = open("/etc/inside.txt", O_RDONLY | O_CLOEXEC);
        if (fd < 0) DIE("open inside");
        close(fd);
        expect("read", "/tmp/creach-jail/etc/inside.txt");
        expect("exec", "/tmp/creach-jail/probe");
        expect("read", "/tmp/creach-jail/etc/hostname");
        char *args[] = {"/probe", "--quiet", "--open", "/etc/hostname", NULL};
        execve("/probe", args, environ);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "workload: jailed child failed (status %d)\n", st);
        return 99;
    }
    return 0;
}
