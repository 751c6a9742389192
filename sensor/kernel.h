/* Kernel ABI pieces the sensor needs, declared here so that the build does not depend on the
 * (older) kernel headers of the build machine or on which libc (musl, glibc) is used. Values are
 * from the Linux UAPI and never change once released. */
#ifndef SENSOR_KERNEL_H
#define SENSOR_KERNEL_H

#include <stdint.h>
#include <sys/ioctl.h>

#define SENSOR_AUDIT_ARCH_X86_64 0xc000003eU
#define SENSOR_AUDIT_ARCH_I386 0x40000003U
#define SENSOR_AUDIT_ARCH_AARCH64 0xc00000b7U
#define SENSOR_AUDIT_ARCH_ARM 0x40000028U
#define SENSOR_X32_SYSCALL_BIT 0x40000000U

struct sensor_seccomp_data {
	int32_t nr;
	uint32_t arch;
	uint64_t instruction_pointer;
	uint64_t args[6];
};

struct sensor_sock_filter {
	uint16_t code;
	uint8_t jt;
	uint8_t jf;
	uint32_t k;
};

struct sensor_sock_fprog {
	unsigned short len;
	struct sensor_sock_filter *filter;
};

#define SENSOR_SECCOMP_SET_MODE_FILTER 1
#define SENSOR_SECCOMP_GET_ACTION_AVAIL 2
#define SENSOR_SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#define SENSOR_SECCOMP_RET_USER_NOTIF 0x7fc00000U
#define SENSOR_SECCOMP_RET_TRACE 0x7ff00000U
#define SENSOR_SECCOMP_RET_ALLOW 0x7fff0000U
#define SENSOR_SECCOMP_USER_NOTIF_FLAG_CONTINUE (1UL << 0)
#define SENSOR_SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)

struct sensor_seccomp_notif {
	uint64_t id;
	uint32_t pid;
	uint32_t flags;
	struct sensor_seccomp_data data;
};

struct sensor_seccomp_notif_resp {
	uint64_t id;
	int64_t val;
	int32_t error;
	uint32_t flags;
};

#define SENSOR_SECCOMP_IOCTL_NOTIF_RECV _IOWR('!', 0, struct sensor_seccomp_notif)
#define SENSOR_SECCOMP_IOCTL_NOTIF_SEND _IOWR('!', 1, struct sensor_seccomp_notif_resp)
#define SENSOR_SECCOMP_IOCTL_NOTIF_ID_VALID _IOW('!', 2, uint64_t)
/* Linux 6.6+: the notifying task and the listener hand over on one CPU. */
#define SENSOR_SECCOMP_IOCTL_NOTIF_SET_FLAGS _IOW('!', 4, uint64_t)

/* BPF opcodes (linux/bpf_common.h) */
#define SENSOR_BPF_LD_W_ABS 0x20
#define SENSOR_BPF_JEQ_K 0x15
#define SENSOR_BPF_JGE_K 0x35
#define SENSOR_BPF_RET_K 0x06

/* ptrace(PTRACE_GET_SYSCALL_INFO), Linux 5.3+: syscall number and arguments without
 * per-architecture register layouts. */
#define SENSOR_PTRACE_GET_SYSCALL_INFO 0x420e
#define SENSOR_PSI_NONE 0
#define SENSOR_PSI_ENTRY 1
#define SENSOR_PSI_EXIT 2
#define SENSOR_PSI_SECCOMP 3

struct sensor_ptrace_syscall_info {
	uint8_t op;
	uint8_t pad[3];
	uint32_t arch;
	uint64_t instruction_pointer;
	uint64_t stack_pointer;
	union {
		struct {
			uint64_t nr;
			uint64_t args[6];
		} entry;
		struct {
			int64_t rval;
			uint8_t is_error;
		} exit;
		struct {
			uint64_t nr;
			uint64_t args[6];
			uint32_t ret_data;
		} seccomp;
	} u;
};

/* openat2's struct open_how starts with the open flags. */
struct sensor_open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};

#endif
