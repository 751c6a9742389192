#include "filter.h"
#include "kernel.h"
#include "syscalls.h"

#include <errno.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_INSNS 512

static void emit(struct sensor_sock_filter *prog, int *n, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	prog[*n].code = code;
	prog[*n].jt = jt;
	prog[*n].jf = jf;
	prog[*n].k = k;
	(*n)++;
}

/* stat-like calls with AT_EMPTY_PATH act on an fd (glibc's fstat is newfstatat(fd, "", …,
 * AT_EMPTY_PATH), which the open that made the fd already recorded: the filter lets them through
 * without a stop. The rare lookup of a real name with that flag set loses only stat evidence. */
static int skips_empty_path(const struct sensor_syscall *row)
{
	return (row->cls & SC_STAT) && row->flags >= 0;
}

#define AT_EMPTY_PATH_ 0x1000
#define BPF_JSET_K_ 0x45

int sensor_filter_install(uint32_t action, unsigned long flags, unsigned classes)
{
	struct sensor_sock_filter prog[MAX_INSNS];
	struct sensor_sock_fprog fprog;
	int n = 0, a, i;

	emit(prog, &n, SENSOR_BPF_LD_W_ABS, 0, 0, offsetof(struct sensor_seccomp_data, arch));
	for (a = 0; a < sensor_nabis; a++) {
		const struct sensor_abi *abi = &sensor_abis[a];
		int special = 0, generic = 0, j = 0, block;

		for (i = 0; i < abi->nrows; i++) {
			if (!(abi->rows[i].cls & classes))
				continue;
			if (skips_empty_path(&abi->rows[i]))
				special++;
			else
				generic++;
		}
		block = 1 + (abi->x32 ? 1 : 0) + 5 * special + generic + 2;
		if (n + block + 2 > MAX_INSNS || block > 255) {
			errno = E2BIG;
			return -1;
		}
		emit(prog, &n, SENSOR_BPF_JEQ_K, 0, (uint8_t)block, abi->audit_arch);
		emit(prog, &n, SENSOR_BPF_LD_W_ABS, 0, 0, offsetof(struct sensor_seccomp_data, nr));
		if (abi->x32) /* x32 calls go to the handler, which maps them onto the x86_64 rows */
			emit(prog, &n, SENSOR_BPF_JGE_K, (uint8_t)(5 * special + generic + 1), 0, SENSOR_X32_SYSCALL_BIT);
		for (i = 0; i < abi->nrows; i++) {
			const struct sensor_syscall *row = &abi->rows[i];
			if (!(row->cls & classes) || !skips_empty_path(row))
				continue;
			/* little-endian: the low word of args[flags] holds the AT_ flags */
			emit(prog, &n, SENSOR_BPF_JEQ_K, 0, 4, (uint32_t)row->nr);
			emit(prog, &n, SENSOR_BPF_LD_W_ABS, 0, 0,
			     (uint32_t)(offsetof(struct sensor_seccomp_data, args) + 8 * (unsigned)row->flags));
			emit(prog, &n, BPF_JSET_K_, 0, 1, AT_EMPTY_PATH_);
			emit(prog, &n, SENSOR_BPF_RET_K, 0, 0, SENSOR_SECCOMP_RET_ALLOW);
			emit(prog, &n, SENSOR_BPF_RET_K, 0, 0, action);
		}
		for (i = 0; i < abi->nrows; i++) {
			if (!(abi->rows[i].cls & classes) || skips_empty_path(&abi->rows[i]))
				continue;
			emit(prog, &n, SENSOR_BPF_JEQ_K, (uint8_t)(generic - j), 0, (uint32_t)abi->rows[i].nr);
			j++;
		}
		emit(prog, &n, SENSOR_BPF_RET_K, 0, 0, SENSOR_SECCOMP_RET_ALLOW);
		emit(prog, &n, SENSOR_BPF_RET_K, 0, 0, action);
		/* the next block starts by comparing the arch again: reload it (the accumulator holds nr) */
		if (a + 1 < sensor_nabis)
			emit(prog, &n, SENSOR_BPF_LD_W_ABS, 0, 0, offsetof(struct sensor_seccomp_data, arch));
	}
	emit(prog, &n, SENSOR_BPF_RET_K, 0, 0, action);
	fprog.len = (unsigned short)n;
	fprog.filter = prog;
	return (int)syscall(SYS_seccomp, SENSOR_SECCOMP_SET_MODE_FILTER, flags, &fprog);
}
