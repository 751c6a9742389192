/* A 64-bit program that makes i386 syscalls through int $0x80 (open = 5, read = 3, close = 6 in
 * the i386 table; 5 is fstat in the x86_64 table). A syscall filter that ignores the audit arch
 * either misses these opens or misreads them. The path lives in the static, non-PIE binary's data,
 * below 4 GiB, so a 32-bit pointer can name it. */
#include "expect.h"

static char path[] = "/etc/issue.net";
static char buf[64]; /* static too: the i386 read needs a 32-bit pointer */

static long sys32(long nr, long a, long b, long c) {
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
    return ret;
}

int main(void) {
    if ((unsigned long)path > 0xffffffffUL) { fprintf(stderr, "workload: path above 4 GiB\n"); return 99; }
    long fd = sys32(5 /* open */, (long)path, 0 /* O_RDONLY */, 0);
    if (fd < 0) {
        printf("int80-unavailable: %ld\n", fd);
        return 3;
    }
    long n = sys32(3 /* read */, fd, (long)buf, sizeof buf);
    sys32(6 /* close */, fd, 0, 0);
    if (n < 0) { fprintf(stderr, "workload: i386 read failed: %ld\n", n); return 99; }
    expect("read", path);
    return 0;
}
