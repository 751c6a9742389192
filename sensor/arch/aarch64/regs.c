#include "../regs.h"
#include "../../kernel.h"

#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#define NT_PRSTATUS_ 1
#define NT_ARM_SYSTEM_CALL_ 0x404
#define PSR_MODE32_BIT_ 0x10

struct user_pt_regs_ {
	uint64_t regs[31];
	uint64_t sp;
	uint64_t pc;
	uint64_t pstate;
};

int sensor_arch_syscall_regs(pid_t pid, struct sensor_event *ev)
{
	struct user_pt_regs_ r;
	struct iovec iov = { &r, sizeof r };
	int nr;
	struct iovec nriov = { &nr, sizeof nr };
	int i;

	if (ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS_, &iov) != 0)
		return -1;
	ev->tid = (int)pid;
	/* a 32-bit arm tracee gets the arm regset view (18 words), not this layout */
	if (iov.iov_len != sizeof r) {
		ev->arch = SENSOR_AUDIT_ARCH_ARM;
		ev->nr = -1;
		return 0;
	}
	if (r.pstate & PSR_MODE32_BIT_) {
		/* a 32-bit arm task: no table for it, the handler counts the call as dropped */
		ev->arch = SENSOR_AUDIT_ARCH_ARM;
		ev->nr = (long)r.regs[7];
	} else {
		ev->arch = SENSOR_AUDIT_ARCH_AARCH64;
		/* x8 holds the number at entry; the regset is authoritative where it exists (3.18+) */
		ev->nr = (long)r.regs[8];
		if (ptrace(PTRACE_GETREGSET, pid, (void *)NT_ARM_SYSTEM_CALL_, &nriov) == 0)
			ev->nr = nr;
	}
	/* at a syscall-entry or seccomp stop x0 still holds the first argument */
	for (i = 0; i < 6; i++)
		ev->args[i] = r.regs[i];
	return 0;
}
