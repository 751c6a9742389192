/* Engines 2a/2b: ptrace. With a seccomp filter (SECCOMP_RET_TRACE) only the traced calls stop the
 * app; without one (no_new_privs off and no CAP_SYS_ADMIN) every syscall entry stops it. Children
 * are followed through fork/vfork/clone and exec (PTRACE_O_TRACE*), attached with PTRACE_SEIZE so
 * group-stops can be told apart from signals (PTRACE_EVENT_STOP + PTRACE_LISTEN). */
#define _GNU_SOURCE
#include "engine.h"
#include "../arch/regs.h"
#include "../events.h"
#include "../filter.h"
#include "../kernel.h"
#include "../log.h"
#include "../report.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif
#ifndef PTRACE_LISTEN
#define PTRACE_LISTEN 0x4208
#endif

static int seized;
static int plain; /* 1: PTRACE_SYSCALL on every syscall (no seccomp filter) */

#define OPTIONS                                                                                          \
	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |         \
	 PTRACE_O_TRACEEXEC | PTRACE_O_TRACESECCOMP)

static void resume(pid_t pid, int sig)
{
	if (ptrace(plain ? PTRACE_SYSCALL : PTRACE_CONT, pid, 0L, (long)sig) != 0 && errno != ESRCH)
		LOG_WARN("ptrace restart of %d: %s", (int)pid, strerror(errno));
}

/* Stops the (running) child and waits for the stop, so the restart mode can be chosen. */
static int interrupt_and_wait(pid_t child)
{
	int status;

	if (ptrace(PTRACE_INTERRUPT, child, 0L, 0L) != 0)
		return -1;
	for (;;) {
		if (waitpid(child, &status, __WALL) < 0)
			return errno == EINTR ? 0 : -1;
		if (WIFSTOPPED(status) && (status >> 16) == PTRACE_EVENT_STOP)
			return 0;
		if (!WIFSTOPPED(status))
			return -1;
		/* a signal arrived first (none expected this early): deliver it and keep waiting */
		ptrace(PTRACE_CONT, child, 0L, (long)WSTOPSIG(status));
	}
}

static int seize(pid_t child, char *why, size_t whylen)
{
	if (seized)
		return 0;
	if (ptrace(PTRACE_SEIZE, child, 0L, (long)OPTIONS) != 0) {
		snprintf(why, whylen, "ptrace: %s", strerror(errno));
		return -1;
	}
	seized = 1;
	return 0;
}

static int before_seccomp(pid_t child, char *why, size_t whylen)
{
	plain = 0;
	return seize(child, why, whylen);
}

static int child_setup_seccomp(int sock)
{
	int err = sensor_child_no_new_privs();

	if (err == 0 && sensor_filter_install(SENSOR_SECCOMP_RET_TRACE, 0, ~0u) != 0)
		err = errno;
	sensor_reply_send(sock, err, -1);
	return err == 0 ? 0 : -1;
}

static int after_seccomp(pid_t child, int sock, char *why, size_t whylen)
{
	int err = 0, nnp = 0, fd = -1;

	(void)child;
	if (sensor_reply_recv(sock, &err, &nnp, &fd) != 0) {
		snprintf(why, whylen, "ptrace + seccomp: no reply from the app process");
		return -1;
	}
	if (fd >= 0)
		close(fd);
	sensor_report.no_new_privs = nnp;
	if (err != 0) {
		snprintf(why, whylen, "ptrace + seccomp filter: %s", strerror(err));
		return -1;
	}
	return 0;
}

static int before_plain(pid_t child, char *why, size_t whylen)
{
	if (seize(child, why, whylen) != 0)
		return -1;
	/* the child is running: stop it once so the next restart is PTRACE_SYSCALL */
	if (interrupt_and_wait(child) != 0) {
		snprintf(why, whylen, "ptrace: cannot stop the app process: %s", strerror(errno));
		return -1;
	}
	plain = 1;
	return 0;
}

static int child_setup_plain(int sock)
{
	(void)sock;
	return 0;
}

static int after_plain(pid_t child, int sock, char *why, size_t whylen)
{
	(void)sock;
	(void)why;
	(void)whylen;
	resume(child, 0);
	return 0;
}

static void give_up(pid_t child)
{
	if (!seized)
		return;
	if (interrupt_and_wait(child) == 0)
		ptrace(PTRACE_DETACH, child, 0L, 0L);
	seized = 0;
}

static int is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* PTRACE_GET_SYSCALL_INFO (5.3+) says entry or exit; without it, plain mode tells them apart by
 * alternation per task (a new task starts outside any syscall). */
static int have_syscall_info = 1;
static uint8_t *in_syscall; /* one bit per tid */
#define TID_LIMIT (1 << 22)

static int toggle_in_syscall(pid_t pid)
{
	unsigned idx = (unsigned)pid;

	if (in_syscall == NULL && (in_syscall = calloc(TID_LIMIT / 8, 1)) == NULL)
		return 0;
	if (idx >= TID_LIMIT)
		return 0;
	in_syscall[idx / 8] ^= (uint8_t)(1u << (idx % 8));
	return (in_syscall[idx / 8] >> (idx % 8)) & 1; /* 1: this stop is an entry */
}

static void syscall_stop(pid_t pid, int expect_op)
{
	struct sensor_ptrace_syscall_info info;
	struct sensor_event ev;
	long n = -1;

	if (have_syscall_info == 1 && getenv("CREACH_SENSOR_NO_SYSCALL_INFO") != NULL)
		have_syscall_info = 0; /* test knob: exercise the register path of old kernels */
	if (have_syscall_info) {
		memset(&info, 0, sizeof info);
		n = syscall(SYS_ptrace, SENSOR_PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info);
		if (n < 0 && (errno == EIO || errno == EINVAL)) {
			have_syscall_info = 0;
			LOG_DEBUG("PTRACE_GET_SYSCALL_INFO unavailable: reading registers");
		}
	}
	if (!have_syscall_info) {
		if (expect_op == SENSOR_PSI_ENTRY && !toggle_in_syscall(pid))
			return; /* a syscall-exit stop */
		if (sensor_arch_syscall_regs(pid, &ev) != 0) {
			if (errno != ESRCH)
				sensor_events_dropped++;
			return;
		}
		sensor_event_handle(&ev, NULL, NULL);
		return;
	}
	if (n <= 0) {
		if (errno != ESRCH)
			sensor_events_dropped++;
		return;
	}
	if (expect_op == SENSOR_PSI_ENTRY)
		toggle_in_syscall(pid); /* kept in step in case the kernel stops answering */
	if (info.op != expect_op)
		return; /* a syscall-exit stop (plain mode) */
	ev.tid = (int)pid;
	ev.arch = info.arch;
	if (info.op == SENSOR_PSI_SECCOMP) {
		ev.nr = (long)info.u.seccomp.nr;
		memcpy(ev.args, info.u.seccomp.args, sizeof ev.args);
	} else {
		ev.nr = (long)info.u.entry.nr;
		memcpy(ev.args, info.u.entry.args, sizeof ev.args);
	}
	sensor_event_handle(&ev, NULL, NULL);
}

static int on_wait(pid_t pid, int status)
{
	int sig, event;

	if (!WIFSTOPPED(status))
		return 0;
	sig = WSTOPSIG(status);
	event = (unsigned)status >> 16;
	switch (event) {
	case 0:
		if (sig == (SIGTRAP | 0x80)) { /* syscall stop (PTRACE_O_TRACESYSGOOD) */
			syscall_stop(pid, SENSOR_PSI_ENTRY);
			resume(pid, 0);
		} else {
			/* signal-delivery-stop: deliver the signal (e.g. one PID 1 forwarded) */
			resume(pid, sig);
		}
		return 1;
	case PTRACE_EVENT_SECCOMP:
		syscall_stop(pid, SENSOR_PSI_SECCOMP);
		resume(pid, 0);
		return 1;
	case PTRACE_EVENT_STOP:
		if (is_stop_signal(sig)) {
			/* group-stop: stay stopped (job control) but keep reporting, until SIGCONT */
			if (ptrace(PTRACE_LISTEN, pid, 0L, 0L) != 0 && errno != ESRCH)
				LOG_WARN("ptrace listen %d: %s", (int)pid, strerror(errno));
		} else {
			resume(pid, 0); /* a new child's first stop, or after PTRACE_INTERRUPT */
		}
		return 1;
	case PTRACE_EVENT_EXEC:
		sensor_event_forget_tids(); /* a non-leader thread's exec takes over the leader's pid */
		resume(pid, 0);
		return 1;
	default: /* fork, vfork, clone, vfork-done: the new task reports its own first stop */
		resume(pid, 0);
		return 1;
	}
}

static int no_fd(void)
{
	return -1;
}

static void on_tick(void)
{
	sensor_sample_uring_users();
}

const struct sensor_engine sensor_engine_ptrace_seccomp = {
	.name = "ptrace",
	.mode = "ptrace-seccomp",
	.cmd = 'P',
	.parent_before = before_seccomp,
	.child_setup = child_setup_seccomp,
	.parent_after = after_seccomp,
	.give_up = give_up,
	.fd = no_fd,
	.on_ready = NULL,
	.on_wait = on_wait,
	.on_tick = on_tick,
};

const struct sensor_engine sensor_engine_ptrace_plain = {
	.name = "ptrace",
	.mode = "ptrace",
	.cmd = 'S',
	.parent_before = before_plain,
	.child_setup = child_setup_plain,
	.parent_after = after_plain,
	.give_up = give_up,
	.fd = no_fd,
	.on_ready = NULL,
	.on_wait = on_wait,
	.on_tick = on_tick,
};
