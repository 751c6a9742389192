#ifndef SENSOR_SYSCALLS_H
#define SENSOR_SYSCALLS_H

#include <stdint.h>

/* Class flags of a syscall row (like strace's TF/TP/TSTA): what a call means for the file it names.
 * The seccomp filter is generated from these rows, so a syscall is traced iff it has a row. */
#define SC_OPEN 0x01u /* read or write, decided by the open flags */
#define SC_READ 0x02u
#define SC_WRITE 0x04u
#define SC_EXEC 0x08u
#define SC_STAT 0x10u /* stat/access/readlink: evidence of a lookup, not of use */
#define SC_EXIT 0x20u /* exit_group: sample maps/fds/exe before the image goes away */
#define SC_URING 0x40u /* io_uring_setup: file I/O the filter cannot see */
#define SC_HOW 0x80u /* openat2: open flags are in struct open_how */
#define SC_ROOT 0x100u /* chroot: absolute paths of the process resolve elsewhere from now on */

/* Argument slots: dirfd/path pairs (dirfd -1 means the cwd), the slot holding open/AT_ flags,
 * and the argv slot for execs. -1: not present. */
struct sensor_syscall {
	int nr;
	const char *name;
	unsigned cls;
	signed char dirfd, path, dirfd2, path2, flags, argv;
};

struct sensor_abi {
	const char *name;
	uint32_t audit_arch;
	const struct sensor_syscall *rows;
	int nrows;
	int x32; /* x86_64 table also used for x32 numbers (nr | X32 bit) */
};

/* ABIs this build traces, native first. */
extern const struct sensor_abi sensor_abis[];
extern const int sensor_nabis;

void sensor_syscalls_init(void);
/* Row for (audit arch, nr), or NULL when the call is not traced or the ABI is unknown. */
const struct sensor_syscall *sensor_syscall_lookup(uint32_t arch, long nr, int *known_abi);

#define SC_ROW(nr, name, cls, d1, p1, d2, p2, fl, av) { nr, name, cls, d1, p1, d2, p2, fl, av },
#define N -1

#endif
