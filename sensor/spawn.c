#define _GNU_SOURCE
#include "spawn.h"
#include "log.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Whether CAP_SYS_ADMIN is in the effective set: then a seccomp filter needs no no_new_privs. */
static int have_cap_sys_admin(void)
{
	char buf[4096], *p;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "\nCapEff:");
	if (p == NULL)
		return 0;
	return (strtoull(p + 8, NULL, 16) >> 21) & 1; /* CAP_SYS_ADMIN = 21 */
}

static void child_redirect(const struct sensor_options *o, int target, const char *name)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof path, "%s/%s", o->artifacts_dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		LOG_WARN("cannot redirect the app's output to %s: %s", path, strerror(errno));
		return;
	}
	if (dup2(fd, target) < 0)
		LOG_WARN("dup2 %s: %s", path, strerror(errno));
	close(fd);
}

static const struct sensor_engine *engine_for(char cmd)
{
	switch (cmd) {
	case 'U':
		return &sensor_engine_unotify;
	case 'F':
		return &sensor_engine_fanotify;
	case 'P':
		return &sensor_engine_ptrace_seccomp;
	case 'S':
		return &sensor_engine_ptrace_plain;
	default:
		return &sensor_engine_proc;
	}
}

static void __attribute__((noreturn)) child_main(const struct sensor_options *o, const sigset_t *orig_mask, int sock)
{
	struct sigaction sa;
	int sig, status;
	char cmd;

	/* a process group of its own, in the foreground of the tty when there is one (like tini);
	 * the signals are still blocked here, so tcsetpgrp from the background raises no SIGTTOU */
	if (setpgid(0, 0) != 0)
		LOG_WARN("setpgid: %s", strerror(errno));
	if (isatty(STDIN_FILENO) && tcsetpgrp(STDIN_FILENO, getpgrp()) != 0 && errno != ENOTTY && errno != ENXIO)
		LOG_WARN("tcsetpgrp: %s", strerror(errno));
	if (o->stdout_to_file)
		child_redirect(o, STDOUT_FILENO, "app-stdout.log");
	if (o->stderr_to_file)
		child_redirect(o, STDERR_FILENO, "app-stderr.log");

	/* negotiate the engine with the sensor: one command byte per attempt */
	for (;;) {
		ssize_t n = read(sock, &cmd, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != 1 || cmd == 'N')
			break;
		if (engine_for(cmd)->child_setup(sock) == 0)
			break;
	}
	close(sock);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigprocmask(SIG_SETMASK, orig_mask, NULL);
	execvp(o->app_argv[0], o->app_argv);
	/* tini's rule: 127 when the command does not exist, 126 when it cannot be executed */
	status = errno == ENOENT ? 127 : 126;
	LOG_ERROR("exec %s: %s", o->app_argv[0], strerror(errno));
	_exit(status);
}

static void send_cmd(int sock, char cmd)
{
	if (write(sock, &cmd, 1) != 1)
		LOG_DEBUG("engine negotiation: write: %s", strerror(errno));
}

pid_t sensor_spawn(const struct sensor_options *o, const sigset_t *orig_mask, const struct sensor_engine **engine)
{
	const struct sensor_engine *order[6];
	int norder = 0, sv[2], i;
	pid_t child;
	int cap_admin = have_cap_sys_admin();

	switch (o->no_new_privs) {
	case SENSOR_ON:
		sensor_want_no_new_privs = 1;
		break;
	case SENSOR_OFF:
		sensor_want_no_new_privs = 0;
		break;
	default:
		/* a seccomp filter needs no_new_privs unless CAP_SYS_ADMIN is held */
		sensor_want_no_new_privs = !cap_admin;
		break;
	}
	switch (o->engine) {
	case SENSOR_ENGINE_UNOTIFY:
		order[norder++] = &sensor_engine_unotify;
		break;
	case SENSOR_ENGINE_PTRACE:
		order[norder++] = &sensor_engine_ptrace_seccomp;
		order[norder++] = &sensor_engine_ptrace_plain;
		break;
	case SENSOR_ENGINE_PROC:
		break;
	case SENSOR_ENGINE_FANOTIFY:
		order[norder++] = &sensor_engine_fanotify;
		order[norder++] = &sensor_engine_unotify;
		order[norder++] = &sensor_engine_ptrace_seccomp;
		order[norder++] = &sensor_engine_ptrace_plain;
		break;
	default:
		order[norder++] = &sensor_engine_unotify;
		order[norder++] = &sensor_engine_ptrace_seccomp;
		order[norder++] = &sensor_engine_ptrace_plain;
		break;
	}
	order[norder++] = &sensor_engine_proc;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		LOG_WARN("socketpair: %s; starting the app without tracing", strerror(errno));
		norder = 0;
		order[norder++] = &sensor_engine_proc;
		sv[0] = sv[1] = -1;
	}
	child = fork();
	if (child < 0) {
		LOG_ERROR("fork: %s", strerror(errno));
		return -1;
	}
	if (child == 0) {
		if (sv[0] >= 0)
			close(sv[0]);
		child_main(o, orig_mask, sv[1]);
	}
	if (sv[1] >= 0)
		close(sv[1]);

	for (i = 0; i < norder; i++) {
		const struct sensor_engine *e = order[i];
		char why[256] = "";

		if (e->parent_before != NULL && e->parent_before(child, why, sizeof why) != 0) {
			sensor_report_add_fallback("%s", why);
			LOG_DEBUG("engine %s not usable: %s", e->mode, why);
			continue;
		}
		if (sv[0] >= 0)
			send_cmd(sv[0], e->cmd);
		if (e->parent_after(child, sv[0], why, sizeof why) != 0) {
			if (e->give_up != NULL && (i + 1 >= norder || order[i + 1]->give_up != e->give_up))
				e->give_up(child);
			sensor_report_add_fallback("%s", why);
			LOG_DEBUG("engine %s not usable: %s", e->mode, why);
			continue;
		}
		*engine = e;
		break;
	}
	if (sv[0] >= 0)
		close(sv[0]);
	LOG_DEBUG("tracing app pid %d with %s (no_new_privs %s)", (int)child, (*engine)->mode,
		  sensor_report.no_new_privs ? "on" : "off");
	return child;
}
