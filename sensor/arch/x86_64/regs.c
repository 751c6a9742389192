#include "../regs.h"
#include "../../kernel.h"

#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

#define NT_PRSTATUS_ 1

/* The i386 layout, which PTRACE_GETREGSET returns for a 32-bit tracee (the regset view follows
 * the tracee's personality). */
struct i386_regs {
	uint32_t ebx, ecx, edx, esi, edi, ebp, eax, xds, xes, xfs, xgs, orig_eax, eip, xcs, eflags, esp, xss;
};

int sensor_arch_syscall_regs(pid_t pid, struct sensor_event *ev)
{
	union {
		struct user_regs_struct r64;
		struct i386_regs r32;
	} u;
	struct iovec iov = { &u, sizeof u };

	if (ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS_, &iov) != 0)
		return -1;
	ev->tid = (int)pid;
	if (iov.iov_len == sizeof(struct i386_regs)) {
		ev->arch = SENSOR_AUDIT_ARCH_I386;
		ev->nr = (long)u.r32.orig_eax;
		ev->args[0] = u.r32.ebx;
		ev->args[1] = u.r32.ecx;
		ev->args[2] = u.r32.edx;
		ev->args[3] = u.r32.esi;
		ev->args[4] = u.r32.edi;
		ev->args[5] = u.r32.ebp;
		return 0;
	}
	ev->nr = (long)u.r64.orig_rax;
	/* a 64-bit task making an int 0x80 call runs it as i386: the code segment says which */
	if (u.r64.cs == 0x23) {
		ev->arch = SENSOR_AUDIT_ARCH_I386;
		ev->args[0] = (uint32_t)u.r64.rbx;
		ev->args[1] = (uint32_t)u.r64.rcx;
		ev->args[2] = (uint32_t)u.r64.rdx;
		ev->args[3] = (uint32_t)u.r64.rsi;
		ev->args[4] = (uint32_t)u.r64.rdi;
		ev->args[5] = (uint32_t)u.r64.rbp;
		return 0;
	}
	ev->arch = SENSOR_AUDIT_ARCH_X86_64; /* x32 too: its numbers carry the X32 bit */
	ev->args[0] = u.r64.rdi;
	ev->args[1] = u.r64.rsi;
	ev->args[2] = u.r64.rdx;
	ev->args[3] = u.r64.r10;
	ev->args[4] = u.r64.r8;
	ev->args[5] = u.r64.r9;
	return 0;
}
