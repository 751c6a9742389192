/* Engine 0 (opt-in, --engine fanotify, needs CAP_SYS_ADMIN): fanotify marks on the container's
 * mounts report every open asynchronously, so the app never waits for the sensor on a file open.
 * User notification still traces every other call (exec, exit_group, io_uring_setup, chroot,
 * stat-only and write-side calls). Different from the syscall engines: opens are recorded by the
 * resolved path (not the name the app used) and their counts are lower bounds (the kernel merges
 * identical queued events). */
#define _GNU_SOURCE
#include "engine.h"
#include "../clock.h"
#include "../events.h"
#include "../helper.h"
#include "../log.h"
#include "../paths.h"
#include "../procfs.h"
#include "../procs.h"
#include "../report.h"
#include "../syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/fanotify.h>
#include <unistd.h>

#ifndef FAN_OPEN_EXEC
#define FAN_OPEN_EXEC 0x1000
#endif

static int fan = -1, ep = -1;
static int self_pid;

/* mountinfo escapes spaces and such as \040 */
static void unescape(char *s)
{
	char *o = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
}

static int skip_mount(const char *mp)
{
	static const char *const skip[] = { "/proc", "/sys", "/dev" };
	size_t i;

	for (i = 0; i < sizeof skip / sizeof skip[0]; i++) {
		size_t n = strlen(skip[i]);
		if (strncmp(mp, skip[i], n) == 0 && (mp[n] == '\0' || mp[n] == '/'))
			return 1;
	}
	return 0;
}

static int mark_mounts(uint64_t mask)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[8192];
	int marked = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		char *field = line, *mp = NULL;
		int k;

		/* field 5 is the mount point */
		for (k = 1; k <= 5 && field != NULL; k++) {
			char *sp = strchr(field, ' ');
			if (k == 5) {
				if (sp != NULL)
					*sp = '\0';
				mp = field;
			}
			field = sp ? sp + 1 : NULL;
		}
		if (mp == NULL)
			continue;
		unescape(mp);
		if (skip_mount(mp))
			continue;
		if (fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_MOUNT, mask, AT_FDCWD, mp) == 0)
			marked++;
		else
			LOG_DEBUG("fanotify mark %s: %s", mp, strerror(errno));
	}
	fclose(f);
	return marked;
}

static void close_all(void)
{
	if (fan >= 0)
		close(fan);
	if (ep >= 0)
		close(ep);
	fan = ep = -1;
	sensor_unotify_classes = ~0u;
}

static int parent_before(pid_t child, char *why, size_t whylen)
{
	struct epoll_event ev;
	uint64_t mask = FAN_OPEN | FAN_OPEN_EXEC | FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE;
	int marked;

	if (sensor_unotify_parent_before(child, why, whylen) != 0)
		return -1;
	self_pid = (int)getpid();
	fan = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_UNLIMITED_QUEUE,
			    O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (fan < 0) {
		snprintf(why, whylen, "fanotify: %s", strerror(errno));
		return -1;
	}
	marked = mark_mounts(mask);
	if (marked <= 0) {
		/* FAN_OPEN_EXEC is Linux 5.0+: without it execs still come from the filter */
		mask &= ~(uint64_t)FAN_OPEN_EXEC;
		marked = mark_mounts(mask);
	}
	if (marked <= 0) {
		snprintf(why, whylen, "fanotify: no mount could be marked (%s)", strerror(errno));
		close_all();
		return -1;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.u32 = 1;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fan, &ev) != 0) {
		snprintf(why, whylen, "fanotify: epoll: %s", strerror(errno));
		close_all();
		return -1;
	}
	LOG_DEBUG("fanotify marks on %d mounts", marked);
	return 0;
}

/* The filter keeps everything but the opens, which fanotify reports without a stop: execs (argv,
 * process tree), exits, io_uring, chroot, and the (rarer) stat-only and write-side calls. Set in the
 * child, which installs the filter (it was forked before the negotiation). */
#define FANOTIFY_FILTER_CLASSES (~0u & ~(SC_OPEN | SC_HOW))

static int child_setup(int sock)
{
	sensor_unotify_classes = FANOTIFY_FILTER_CLASSES;
	if (sensor_unotify_child_setup(sock) == 0)
		return 0;
	sensor_unotify_classes = ~0u; /* the next engine traces everything again */
	return -1;
}

static void read_queued(void);

static int parent_after(pid_t child, int sock, char *why, size_t whylen)
{
	struct epoll_event ev;

	if (sensor_unotify_parent_after(child, sock, why, whylen) != 0) {
		close_all();
		return -1;
	}
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.u32 = 2;
	/* the listener has its own serving thread, unless none could be started */
	if (!sensor_unotify_threaded() && epoll_ctl(ep, EPOLL_CTL_ADD, sensor_unotify_listener(), &ev) != 0) {
		snprintf(why, whylen, "fanotify: epoll: %s", strerror(errno));
		return -1;
	}
	sensor_report.helpers[sensor_report.nhelpers++] = "seccomp-unotify";
	sensor_report_before_write = read_queued;
	sensor_events_opens_untraced = 1;
	return 0;
}

static int is_app(int pid)
{
	if (sensor_procs_seen(pid))
		return 1;
	if (!sensor_procfs_is_descendant(pid, self_pid))
		return 0;
	sensor_procs_get(pid);
	return 1;
}

/* FAN_OPEN does not say whether the app opened the file for reading or for writing; its close
 * does (FAN_CLOSE_NOWRITE / FAN_CLOSE_WRITE), so reads are counted at the close. An open whose
 * close is still to come counts as one read in the report (a file held open). Events of one file
 * and process merge while queued, so one event may carry an open and a close, or several opens:
 * counts are lower bounds. Execs (and the kernel's open of the ELF interpreter) are recorded by the
 * exec tracing; their opens and closes are not reads. A close cannot say whether it ends an exec
 * open or a read open of the same file (a script, a binary opened for fexecve): each close is
 * paired with an exec open still unpaired, else it is a read. */
static void record(const char *path, uint64_t mask, int pid)
{
	struct sensor_path *e = sensor_paths_entry(path, pid);

	if (e == NULL)
		return;
	e->exists = e->checked = 1;
	if ((mask & FAN_OPEN_EXEC) && e->exec_unclosed < UINT16_MAX)
		e->exec_unclosed++;
	if ((mask & FAN_OPEN) && !(mask & FAN_OPEN_EXEC))
		e->open_pending = 1;
	if (mask & (FAN_CLOSE_NOWRITE | FAN_CLOSE_WRITE))
		e->open_pending = 0;
	/* closes pair with exec opens first, in any order: reads = closes - exec opens */
	if ((mask & FAN_CLOSE_NOWRITE) && e->exec_unclosed > 0)
		e->exec_unclosed--;
	else if (mask & FAN_CLOSE_NOWRITE)
		e->counts[SENSOR_OP_READ]++;
	if (mask & FAN_CLOSE_WRITE)
		e->counts[SENSOR_OP_WRITE]++;
}

static void read_events(void)
{
	static char buf[1 << 16] __attribute__((aligned(8)));
	ssize_t n;

	while ((n = read(fan, buf, sizeof buf)) > 0) {
		struct fanotify_event_metadata *m;

		for (m = (struct fanotify_event_metadata *)buf; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
			char link[64], path[4096];
			ssize_t len;
			int pid = (int)m->pid;

			if (m->mask & FAN_Q_OVERFLOW) {
				sensor_events_dropped++;
				continue;
			}
			if (m->fd < 0)
				continue;
			/* only the app's processes: not the sensor's own looks at the app's files (ELF
			 * headers), not its helpers, not other processes on the same mounts */
			if (pid != self_pid && !sensor_helper_is(pid) && is_app(pid)) {
				sensor_events_seen++;
				snprintf(link, sizeof link, "/proc/self/fd/%d", m->fd);
				len = readlink(link, path, sizeof path - 1);
				if (len > 0) {
					path[len] = '\0';
					if (len > 10 && strcmp(path + len - 10, " (deleted)") == 0)
						path[len - 10] = '\0';
					record(path, m->mask, pid);
				}
			}
			close(m->fd);
		}
	}
}

/* Events are read in batches: after a read the queue is left alone for a while (until the next
 * tick of the main loop at the latest). The app never waits for it, and the kernel merges the
 * repeated events of one file and process queued meanwhile (a server opening the same page for
 * every request) into one, so the sensor's cost no longer grows with the request rate. */
#define BATCH_MS 50
static int64_t quiet_until;

static int get_fd(void)
{
	if (quiet_until != 0 && sensor_monotonic_ms() < quiet_until)
		return -1;
	return ep;
}

static void read_queued(void)
{
	if (fan >= 0)
		read_events();
}

static void on_ready(short revents)
{
	struct epoll_event evs[4];
	int n, i;

	(void)revents;
	n = epoll_wait(ep, evs, 4, 0);
	for (i = 0; i < n; i++) {
		if (evs[i].data.u32 == 1) {
			read_events();
			quiet_until = sensor_monotonic_ms() + BATCH_MS;
		} else {
			short r = (short)(((evs[i].events & EPOLLIN) ? POLLIN : 0) | ((evs[i].events & EPOLLHUP) ? POLLHUP : 0) |
					  ((evs[i].events & EPOLLERR) ? POLLERR : 0));
			int lfd = sensor_unotify_listener();
			sensor_unotify_on_ready(r);
			if (lfd >= 0 && sensor_unotify_listener() < 0)
				LOG_DEBUG("exec/exit listener closed; fanotify goes on");
		}
	}
}

static void on_tick(void)
{
	sensor_sample_uring_users();
}

const struct sensor_engine sensor_engine_fanotify = {
	.name = "fanotify",
	.mode = "fanotify",
	.cmd = 'F',
	.parent_before = parent_before,
	.child_setup = child_setup,
	.parent_after = parent_after,
	.give_up = NULL,
	.fd = get_fd,
	.on_ready = on_ready,
	.on_wait = NULL,
	.on_tick = on_tick,
};
