#include "syscalls.h"
#include "kernel.h"

#include <stddef.h>

#if defined(__x86_64__)
static const struct sensor_syscall native_rows[] = {
#include "arch/x86_64/syscalls.h"
};
static const struct sensor_syscall i386_rows[] = {
#include "arch/x86_64/syscalls_i386.h"
};
const struct sensor_abi sensor_abis[] = {
	{ "x86_64", SENSOR_AUDIT_ARCH_X86_64, native_rows, sizeof native_rows / sizeof native_rows[0], 1 },
	{ "i386", SENSOR_AUDIT_ARCH_I386, i386_rows, sizeof i386_rows / sizeof i386_rows[0], 0 },
};
const int sensor_nabis = 2;
#define SENSOR_ARCH_NAME "x86_64"
#elif defined(__aarch64__)
static const struct sensor_syscall native_rows[] = {
#include "arch/aarch64/syscalls.h"
};
const struct sensor_abi sensor_abis[] = {
	{ "aarch64", SENSOR_AUDIT_ARCH_AARCH64, native_rows, sizeof native_rows / sizeof native_rows[0], 0 },
};
const int sensor_nabis = 1;
#else
#error "creach-sensor supports x86_64 and aarch64"
#endif

#define MAX_NR 512
static signed char index_by_nr[2][MAX_NR];

void sensor_syscalls_init(void)
{
	int a, i;

	for (a = 0; a < sensor_nabis; a++) {
		for (i = 0; i < MAX_NR; i++)
			index_by_nr[a][i] = -1;
		for (i = 0; i < sensor_abis[a].nrows; i++)
			index_by_nr[a][sensor_abis[a].rows[i].nr] = (signed char)i;
	}
}

const struct sensor_syscall *sensor_syscall_lookup(uint32_t arch, long nr, int *known_abi)
{
	int a;

	for (a = 0; a < sensor_nabis; a++) {
		if (sensor_abis[a].audit_arch != arch)
			continue;
		if (known_abi)
			*known_abi = 1;
		if (sensor_abis[a].x32 && nr >= (long)SENSOR_X32_SYSCALL_BIT) {
			nr -= (long)SENSOR_X32_SYSCALL_BIT;
			/* x32 has its own numbers for the calls that take pointer arrays */
			if (nr == 520)
				nr = 59; /* execve */
			else if (nr == 545)
				nr = 322; /* execveat */
		}
		if (nr < 0 || nr >= MAX_NR || index_by_nr[a][nr] < 0)
			return NULL;
		return &sensor_abis[a].rows[(int)index_by_nr[a][nr]];
	}
	if (known_abi)
		*known_abi = 0;
	return NULL;
}
