/* PID 1 duties, after tini: block every signal but the synchronous faults, forward each one to the
 * app, reap every child (orphans included), and exit with the app's status (128+N for a signal).
 * One event loop: signalfd (signals, SIGCHLD), timerfd (flush, grace deadline, sampling) and the
 * engine's fd (user notifications). */
#define _GNU_SOURCE
#include "pid1.h"
#include "clock.h"
#include "control.h"
#include "exec_image.h"
#include "helper.h"
#include "log.h"
#include "paths.h"
#include "procfs.h"
#include "procs.h"
#include "report.h"
#include "spawn.h"
#include "syscalls.h"
#include "trace/engine.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TICK_MS 100

enum phase { RUNNING, STOPPING, STOPPED };

static const struct sensor_options *opts;
static const struct sensor_engine *engine;
static pid_t child;
static int child_done;
static int exit_status;
static enum phase phase = RUNNING;
static int stay_alive;
static int64_t kill_deadline;
static int killed;
static int64_t next_flush;

static int configure_signals(sigset_t *orig_mask, int *sfd)
{
	sigset_t all;
	struct sigaction ign;

	sigfillset(&all);
	/* synchronous faults stay deliverable: they are the sensor's own bugs, not messages */
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGABRT);
	sigdelset(&all, SIGTRAP);
	sigdelset(&all, SIGSYS);
	if (sigprocmask(SIG_SETMASK, &all, orig_mask) != 0) {
		LOG_ERROR("sigprocmask: %s", strerror(errno));
		return 1;
	}
	/* the sensor touches no tty, but a background read/write must not stop PID 1 */
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigaction(SIGTTIN, &ign, NULL);
	sigaction(SIGTTOU, &ign, NULL);
	*sfd = signalfd(-1, &all, SFD_CLOEXEC | SFD_NONBLOCK);
	if (*sfd < 0) {
		LOG_ERROR("signalfd: %s", strerror(errno));
		return 1;
	}
	return 0;
}

static void forward(int sig)
{
	if (child_done)
		return;
	if (kill(child, sig) != 0) {
		if (errno == ESRCH) /* the app is gone already: expected while it exits */
			LOG_DEBUG("forward %s: app already gone", sensor_signal_name(sig));
		else
			LOG_WARN("forward %s to %d: %s", sensor_signal_name(sig), (int)child, strerror(errno));
	} else {
		LOG_DEBUG("forwarded SIG%s to %d", sensor_signal_name(sig), (int)child);
	}
}

static void kill_everything(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int self = (int)getpid();

	if (!child_done)
		kill(child, SIGKILL);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		int pid = atoi(e->d_name);
		if (pid > 0 && pid != self && !sensor_helper_is(pid) && sensor_procfs_is_descendant(pid, self))
			kill(pid, SIGKILL);
	}
	closedir(d);
}

static void begin_stop(int sig, int keep_alive)
{
	phase = STOPPING;
	stay_alive = keep_alive;
	sensor_report.state = "stopping";
	kill_deadline = sensor_monotonic_ms() + opts->stop_grace_ms;
	LOG_DEBUG("stopping: SIG%s forwarded, grace %ld ms", sensor_signal_name(sig), opts->stop_grace_ms);
	forward(sig);
}

/* A `creach-sensor stop` entered with docker exec / kubectl exec waits for the final report; when
 * the sensor (PID 1) exits, the kernel kills every process of the container, that client too,
 * before it can see the report and exit 0. So PID 1 lingers (at most 3 s) until such clients are
 * gone. */
static int stop_client_running(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int found = 0;

	if (d == NULL)
		return 0;
	while (!found && (e = readdir(d)) != NULL) {
		char buf[256];
		int pid = atoi(e->d_name), ppid = -1;
		unsigned long long st;
		size_t len;
		const char *base;

		if (pid <= 1 || sensor_procfs_stat(pid, &ppid, &st) != 0 || ppid != 0)
			continue;
		len = sensor_procfs_cmdline(pid, buf, sizeof buf - 1);
		buf[len] = '\0';
		base = strrchr(buf, '/');
		base = base ? base + 1 : buf;
		if (strncmp(base, "creach-sensor", 13) == 0 && strlen(buf) + 1 < len && strcmp(buf + strlen(buf) + 1, "stop") == 0)
			found = 1;
	}
	closedir(d);
	return found;
}

static void wait_for_stop_clients(void)
{
	int i;
	struct timespec ts = { 0, 20 * 1000000L };

	if (getpid() != 1)
		return;
	for (i = 0; i < 150 && stop_client_running(); i++)
		nanosleep(&ts, NULL);
}

/* Last look at whatever is still running (daemons outliving the app) before the final report. */
static void sample_live_processes(void)
{
	size_t i, n = sensor_procs_count();

	for (i = 0; i < n; i++) {
		struct sensor_proc *p = sensor_procs_at(i);
		if (p->end_ms == 0 && !p->sampled_exit)
			sensor_procfs_sample(p->pid, SENSOR_SAMPLE_MAPS | SENSOR_SAMPLE_FDS | SENSOR_SAMPLE_EXE);
	}
}

/* Calls already waiting for the sensor (other processes of the app) are recorded before the
 * final report, not lost to the SIGKILL that follows. */
static void drain_engine(void)
{
	int i;

	sensor_unotify_drain();
	for (i = 0; i < 100000 && engine != NULL && engine->fd != NULL && engine->on_ready != NULL; i++) {
		struct pollfd p;
		p.fd = engine->fd();
		p.events = POLLIN;
		if (p.fd < 0 || poll(&p, 1, 0) != 1)
			break;
		engine->on_ready(p.revents);
	}
}

static void finish(void)
{
	drain_engine();
	sample_live_processes();
	if (!killed) {
		killed = 1;
		kill_everything();
	}
	sensor_procs_reap_gone();
	sensor_report.final = 1;
	sensor_report.stopped_ms = sensor_now_ms();
	sensor_report.state = "stopped";
	sensor_report_write();
	phase = STOPPED;
	LOG_DEBUG("final report written; app exit status %d", exit_status);
}

static void reap(void)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG | __WALL);
		struct sensor_proc *p;

		if (pid <= 0)
			break;
		if (WIFSTOPPED(status)) {
			if (engine == NULL || engine->on_wait == NULL || !engine->on_wait(pid, status))
				LOG_DEBUG("unexpected stop of %d", (int)pid);
			continue;
		}
		p = sensor_procs_find(pid);
		if (p != NULL)
			sensor_procs_end(p);
		if (pid != child) {
			LOG_DEBUG("reaped %d", (int)pid);
			continue;
		}
		child_done = 1;
		sensor_report.has_exit = 1;
		if (WIFEXITED(status)) {
			exit_status = WEXITSTATUS(status);
			sensor_report.signal = 0;
		} else if (WIFSIGNALED(status)) {
			exit_status = 128 + WTERMSIG(status);
			sensor_report.signal = WTERMSIG(status);
		}
		if (exit_status > 255)
			exit_status = 255;
		sensor_report.exit_status = exit_status;
		LOG_DEBUG("app %d exited with status %d", (int)pid, exit_status);
	}
}

/* Returns 1 when the sensor should exit now. */
static int on_signal(int sig)
{
	if (sig == SIGCHLD)
		return 0;
	if (phase == STOPPED) {
		/* final report written: docker cp / kubectl cp had their chance, leave on TERM/INT */
		return sig == SIGTERM || sig == SIGINT;
	}
	if (phase == RUNNING && opts->stop_signal != 0 && sig == opts->stop_signal) {
		begin_stop(sig, 1);
	} else if (phase == RUNNING && (sig == SIGTERM || sig == SIGINT)) {
		begin_stop(sig, 0);
	} else if (phase == STOPPING && (sig == SIGTERM || sig == SIGINT)) {
		stay_alive = 0; /* asked to leave while stopping: no need to stay after the report */
		forward(sig);
	} else if (sig != SIGTTIN && sig != SIGTTOU) {
		forward(sig);
	}
	return 0;
}

static void tick(void)
{
	int64_t now = sensor_monotonic_ms();

	if (phase == STOPPED)
		return;
	if (phase == STOPPING && !killed && now >= kill_deadline) {
		LOG_DEBUG("grace period over: killing what is left");
		killed = 1;
		kill_everything();
	}
	if (engine != NULL && engine->on_tick != NULL)
		engine->on_tick();
	if (now >= next_flush) {
		next_flush = now + opts->flush_interval_ms;
		sensor_procs_reap_gone();
		sensor_report_write();
	}
}

/* Without a tracing engine the sensor still knows what it started: the app's pid, argv and the
 * executable its argv[0] names (looked up in PATH as execvp does), with its ELF interpreter. */
static void record_app_start(const struct sensor_options *o)
{
	char exe[4096], argv[8192];
	const char *name = o->app_argv[0], *dirs = getenv("PATH");
	size_t used = 0;
	int i;

	exe[0] = '\0';
	if (strchr(name, '/') != NULL) {
		char cwd[4096];
		if (getcwd(cwd, sizeof cwd) == NULL || sensor_path_join(exe, sizeof exe, cwd, name) != 0)
			exe[0] = '\0';
	} else {
		if (dirs == NULL)
			dirs = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
		while (*dirs && exe[0] == '\0') {
			size_t len = strcspn(dirs, ":");
			char cand[4096];
			snprintf(cand, sizeof cand, "%.*s/%s", (int)len, len ? dirs : ".", name);
			if (access(cand, X_OK) == 0 && sensor_path_join(exe, sizeof exe, "/", cand) != 0)
				exe[0] = '\0';
			dirs += len;
			if (*dirs == ':')
				dirs++;
		}
	}
	for (i = 0; i < o->app_argc && used < sizeof argv; i++) {
		size_t len = strlen(o->app_argv[i]) + 1;
		if (used + len > sizeof argv)
			break;
		memcpy(argv + used, o->app_argv[i], len);
		used += len;
	}
	sensor_procs_exec((int)child, exe[0] ? exe : name, argv, used);
	if (exe[0] != '\0' && sensor_exec_image_inspect("/", (int)child, exe) == 0) {
		struct sensor_path *e = sensor_paths_add(exe, SENSOR_OP_EXEC, (int)child);
		if (e != NULL)
			e->exists = e->checked = 1;
	}
}

static void ensure_dir(const char *dir)
{
	char path[4096];
	size_t i, n = strlen(dir);

	if (n >= sizeof path)
		return;
	memcpy(path, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (path[i] == '/' || path[i] == '\0') {
			char c = path[i];
			path[i] = '\0';
			if (mkdir(path, 0777) != 0 && errno != EEXIST)
				LOG_WARN("cannot create %s: %s", path, strerror(errno));
			path[i] = c;
		}
	}
}

int sensor_pid1_run(const struct sensor_options *o)
{
	sigset_t orig_mask;
	int sfd, tfd, cfd;
	struct itimerspec its;

	opts = o;
	/* held by this thread except while it sleeps in poll: the listener's serving thread takes it */
	sensor_state_lock();
	sensor_syscalls_init();
	sensor_paths_init(o->artifacts_dir);
	sensor_report.opts = o;
	sensor_report.started_ms = sensor_now_ms();
	sensor_report.state = "running";
	sensor_report.mode = "none";
	sensor_report.helpers[sensor_report.nhelpers++] = "proc-sampling";
	ensure_dir(o->artifacts_dir);

	if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
		LOG_WARN("not PID 1 and cannot become a subreaper (%s): orphans will not be reaped here", strerror(errno));
	if (configure_signals(&orig_mask, &sfd) != 0)
		return 1;
	child = sensor_spawn(o, &orig_mask, &engine);
	if (child < 0)
		return 1;
	sensor_report.mode = engine->mode;
	if (engine == &sensor_engine_proc)
		record_app_start(o);

	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	memset(&its, 0, sizeof its);
	its.it_interval.tv_nsec = TICK_MS * 1000000L;
	its.it_value.tv_nsec = TICK_MS * 1000000L;
	if (tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) != 0)
		LOG_WARN("timerfd: %s (no periodic flush)", strerror(errno));
	next_flush = sensor_monotonic_ms() + o->flush_interval_ms;
	sensor_report_write();
	cfd = sensor_control_listen(o->artifacts_dir);

	for (;;) {
		struct pollfd pfd[4];
		int r, nfds = 0, efd = (engine->fd != NULL && phase != STOPPED) ? engine->fd() : -1;

		pfd[nfds].fd = sfd;
		pfd[nfds++].events = POLLIN;
		pfd[nfds].fd = tfd;
		pfd[nfds++].events = POLLIN;
		pfd[nfds].fd = cfd;
		pfd[nfds++].events = POLLIN;
		if (efd >= 0) {
			pfd[nfds].fd = efd;
			pfd[nfds++].events = POLLIN;
		}
		sensor_state_unlock();
		r = poll(pfd, (nfds_t)nfds, -1);
		sensor_state_lock();
		if (r < 0) {
			if (errno == EINTR)
				continue;
			LOG_ERROR("poll: %s", strerror(errno));
			return exit_status ? exit_status : 1;
		}
		if (nfds > 3 && pfd[3].revents)
			engine->on_ready(pfd[3].revents);
		if (pfd[2].revents & POLLIN)
			sensor_control_serve(cfd);
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			int got_chld = 0;
			while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
				if (si.ssi_signo == SIGCHLD)
					got_chld = 1;
				else if (si.ssi_pid == (uint32_t)getpid())
					/* raised by the sensor's own I/O (SIGPIPE on a closed stderr,
					 * SIGXFSZ): not a message for the app */
					LOG_DEBUG("ignored own SIG%s", sensor_signal_name((int)si.ssi_signo));
				else if (on_signal((int)si.ssi_signo)) {
					LOG_DEBUG("exiting with the app's status %d", exit_status);
					sensor_control_close(cfd, o->artifacts_dir);
					return exit_status;
				}
			}
			if (got_chld)
				reap();
		}
		if (pfd[1].revents & POLLIN) {
			uint64_t expirations;
			if (read(tfd, &expirations, sizeof expirations) < 0) {
				/* EAGAIN: nothing to do */
			}
			tick();
			reap(); /* SIGCHLD may have been coalesced with an earlier one */
		}
		if (child_done && phase != STOPPED) {
			finish();
			if (!stay_alive) {
				sensor_control_close(cfd, o->artifacts_dir);
				wait_for_stop_clients();
				return exit_status;
			}
		}
	}
}
