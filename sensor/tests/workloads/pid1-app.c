/* The application in the PID 1 tests (static, so it also runs in an image with no shell).
 *   pid1-app exit N            exit with status N
 *   pid1-app die SIG           die from signal SIG (default action restored first)
 *   pid1-app trap EXIT_SIG CODE [EVIDENCE]
 *                              print "ready", then print "got N" for every signal received;
 *                              on EXIT_SIG open EVIDENCE (a file the report must then show),
 *                              print "exiting CODE" and exit with CODE
 *   pid1-app orphans N         fork N children that each leave a grandchild behind and exit;
 *                              the grandchildren exit at once (orphans for PID 1 to reap); print
 *                              "orphans-done", then wait for signals like trap (exit on TERM, 0)
 *   pid1-app sleep [EVIDENCE]  open EVIDENCE, print "sleeping", then sleep until killed
 * Output goes straight to fd 1 (docker logs), unbuffered. */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include "expect.h"

static void say(const char *fmt, int n) {
    char line[128];
    int len = snprintf(line, sizeof line, fmt, n);
    ssize_t w = write(1, line, (size_t)len);
    (void)w;
}

static void touch_evidence(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) close(fd);
}

static int trap_loop(int exit_sig, int code, const char *evidence) {
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    say("ready %d\n", (int)getpid());
    for (;;) {
        siginfo_t si;
        int s = sigwaitinfo(&all, &si);
        if (s < 0) continue;
        if (s == SIGCHLD) {
            while (waitpid(-1, NULL, WNOHANG) > 0) {}
            continue;
        }
        say("got %d\n", s);
        if (s == exit_sig) {
            if (evidence) touch_evidence(evidence);
            say("exiting %d\n", code);
            return code;
        }
    }
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: pid1-app exit|die|trap|orphans|sleep ...\n"); return 2; }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "exit") && argc > 2) return atoi(argv[2]);
    if (!strcmp(cmd, "die") && argc > 2) {
        int sig = atoi(argv[2]);
        signal(sig, SIG_DFL);
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, sig);
        sigprocmask(SIG_UNBLOCK, &s, NULL);
        kill(getpid(), sig);
        pause();
        return 97;
    }
    if (!strcmp(cmd, "trap") && argc > 3) return trap_loop(atoi(argv[2]), atoi(argv[3]), argc > 4 ? argv[4] : NULL);
    if (!strcmp(cmd, "orphans") && argc > 2) {
        int n = atoi(argv[2]);
        for (int i = 0; i < n; i++) {
            pid_t c = fork();
            if (c < 0) DIE("fork");
            if (c == 0) {
                pid_t g = fork();
                if (g == 0) { usleep(100 * 1000); _exit(0); } /* orphan: exits after its parent */
                _exit(0);
            }
            waitpid(c, NULL, 0);
        }
        say("orphans-done %d\n", n);
        return trap_loop(SIGTERM, 0, NULL);
    }
    if (!strcmp(cmd, "sleep")) {
        if (argc > 2) touch_evidence(argv[2]);
        say("sleeping %d\n", (int)getpid());
        for (;;) pause();
    }
    fprintf(stderr, "pid1-app: unknown command %s\n", cmd);
    return 2;
}
