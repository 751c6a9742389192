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

int sensor_filter_install(uint32_t action, unsigned long flags)
{
	struct sensor_sock_filter prog[MAX_INSNS];
	struct sensor_sock_fprog fprog;
	int n = 0, a, i;

	emit(prog, &n, SENSOR_BPF_LD_W_ABS, 0, 0, offsetof(struct sensor_seccomp_data, arch));
	for (a = 0; a < sensor_nabis; a++) {
		const struct sensor_abi *abi = &sensor_abis[a];
		int rows = abi->nrows;
		int block = 1 + (abi->x32 ? 1 : 0) + rows + 2;

		if (n + block + 2 > MAX_INSNS || rows + 1 > 255) {
			errno = E2BIG;
			return -1;
		}
		emit(prog, &n, SENSOR_BPF_JEQ_K, 0, (uint8_t)block, abi->audit_arch);
		emit(prog, &n, SENSOR_BPF_LD_W_ABS, 0, 0, offsetof(struct sensor_seccomp_data, nr));
		if (abi->x32) /* x32 calls go to the handler, which maps them onto the x86_64 rows */
			emit(prog, &n, SENSOR_BPF_JGE_K, (uint8_t)(rows + 1), 0, SENSOR_X32_SYSCALL_BIT);
		for (i = 0; i < rows; i++)
			emit(prog, &n, SENSOR_BPF_JEQ_K, (uint8_t)(rows - i), 0, (uint32_t)abi->rows[i].nr);
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
