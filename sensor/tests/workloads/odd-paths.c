/* Paths that are hard to carry into JSON or to read out of another process: spaces, quotes,
 * backslashes, a newline, a tab, UTF-8, a path longer than one page read (3,000+ bytes, deeply
 * nested), and a name with an invalid UTF-8 byte (announced with "creach-expect-raw:" because its
 * JSON spelling is the sensor's choice). Each file is created, then opened for reading. */
#include <fcntl.h>
#include <sys/stat.h>
#include "expect.h"

static void make_and_read(const char *p, int announce) {
    write_file(p, "x\n");
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0) DIE(p);
    close(fd);
    if (announce) expect("read", p);
}

int main(void) {
    const char *base = "/tmp/creach-odd";
    if (mkdir(base, 0755) < 0 && errno != EEXIST) DIE("mkdir");
    make_and_read("/tmp/creach-odd/with space.txt", 1);
    make_and_read("/tmp/creach-odd/quote\"and\\backslash.txt", 1);
    make_and_read("/tmp/creach-odd/tab\there.txt", 1);
    make_and_read("/tmp/creach-odd/caf\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac.txt", 1);
    /* a newline cannot be announced on one line; strace still sees it */
    make_and_read("/tmp/creach-odd/new\nline.txt", 0);
    make_and_read("/tmp/creach-odd/bad-\xff-utf8.txt", 0);
    printf("creach-expect-raw: read /tmp/creach-odd/bad-?-utf8.txt\n");
    fflush(stdout);

    /* 3,000+ byte path: 60 nested directories of 50 characters each */
    char p[4096];
    int n = snprintf(p, sizeof p, "%s", base);
    for (int i = 0; i < 60; i++) {
        n += snprintf(p + n, sizeof p - (size_t)n, "/d%02d-abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstu", i);
        if (mkdir(p, 0755) < 0 && errno != EEXIST) DIE("mkdir deep");
    }
    snprintf(p + n, sizeof p - (size_t)n, "/deep.txt");
    make_and_read(p, 1);
    return 0;
}
