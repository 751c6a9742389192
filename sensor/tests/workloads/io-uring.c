/* Opens files through io_uring (IORING_OP_OPENAT): no open syscall is made, so neither strace nor
 * a syscall filter sees them. Raw syscalls, no liburing. The first file stays open until exit
 * (what /proc/<pid>/fd sampling can find); the second is opened and closed inside the ring.
 * Prints "io_uring-unavailable: ERRNO" and exits 3 when io_uring_setup is refused (seccomp). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "expect.h"

struct ring {
    int fd;
    unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
    struct io_uring_sqe *sqes;
    struct io_uring_cqe *cqes;
};

static int ring_init(struct ring *r) {
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    r->fd = (int)syscall(SYS_io_uring_setup, 4, &p);
    if (r->fd < 0) return -1;
    size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    char *sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
    char *cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
    r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
    if (sq == MAP_FAILED || cq == MAP_FAILED || r->sqes == MAP_FAILED) DIE("mmap ring");
    r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
    r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
    r->sq_array = (unsigned *)(sq + p.sq_off.array);
    r->cq_head = (unsigned *)(cq + p.cq_off.head);
    r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
    r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
    r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
    return 0;
}

/* Submit one SQE and wait for its completion; returns the CQE's res. */
static int ring_run(struct ring *r, const struct io_uring_sqe *sqe) {
    unsigned tail = __atomic_load_n(r->sq_tail, __ATOMIC_ACQUIRE);
    unsigned idx = tail & *r->sq_mask;
    r->sqes[idx] = *sqe;
    r->sq_array[idx] = idx;
    __atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
    if (syscall(SYS_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0) DIE("io_uring_enter");
    unsigned head = __atomic_load_n(r->cq_head, __ATOMIC_ACQUIRE);
    if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE)) { errno = EAGAIN; DIE("no completion"); }
    int res = r->cqes[head & *r->cq_mask].res;
    __atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
    return res;
}

static int uring_open(struct ring *r, const char *path) {
    struct io_uring_sqe sqe;
    memset(&sqe, 0, sizeof sqe);
    sqe.opcode = IORING_OP_OPENAT;
    sqe.fd = AT_FDCWD;
    sqe.addr = (uint64_t)(uintptr_t)path;
    sqe.open_flags = O_RDONLY | O_CLOEXEC;
    return ring_run(r, &sqe);
}

int main(int argc, char **argv) {
    const char *held = argc > 1 ? argv[1] : "/etc/debian_version";
    const char *closed = argc > 2 ? argv[2] : "/etc/issue";
    struct ring r;
    if (ring_init(&r) < 0) {
        printf("io_uring-unavailable: %s\n", strerror(errno));
        return 3;
    }
    int fd = uring_open(&r, held);
    if (fd < 0) { errno = -fd; DIE(held); }
    expect("read", held);

    int fd2 = uring_open(&r, closed);
    if (fd2 < 0) { errno = -fd2; DIE(closed); }
    struct io_uring_sqe sqe;
    memset(&sqe, 0, sizeof sqe);
    sqe.opcode = IORING_OP_CLOSE;
    sqe.fd = fd2;
    if (ring_run(&r, &sqe) < 0) DIE("IORING_OP_CLOSE");
    printf("creach-expect-uring-closed: read %s\n", closed);
    fflush(stdout);
    /* Keep the first file open a moment so a sampler that looks at /proc/<pid>/fd can see it. */
    usleep(300 * 1000);
    return 0;
}
