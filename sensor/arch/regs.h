#ifndef SENSOR_ARCH_REGS_H
#define SENSOR_ARCH_REGS_H

#include "../events.h"

#include <sys/types.h>

/* Syscall number, ABI and arguments of a tracee stopped at a syscall or seccomp stop, read from
 * its registers. Used when PTRACE_GET_SYSCALL_INFO is missing (kernels before 5.3, where the
 * ptrace engine is the one that runs). Returns 0 or -1. */
int sensor_arch_syscall_regs(pid_t pid, struct sensor_event *ev);

#endif
