/* Engine 1: seccomp user notification. The app's filter sends the traced calls to the sensor,
 * which reads the arguments from the app's memory and lets the call continue unchanged
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE). No ptrace permission is needed. */
#define _GNU_SOURCE
#include "engine.h"
#include "../events.h"
#include "../filter.h"
#include "../kernel.h"
#include "../log.h"
#include "../procfs.h"
#include "../report.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>

static int listener = -1;
unsigned sensor_unotify_classes = ~0u;

int sensor_unotify_listener(void)
{
	return listener;
}

/* SECCOMP_USER_NOTIF_FLAG_CONTINUE arrived in Linux 5.5; before it a notified call could only be
 * answered by the sensor, never run by the kernel, so the engine is not tried there. */
int sensor_unotify_parent_before(pid_t child, char *why, size_t whylen)
{
	struct utsname u;
	int major = 0, minor = 0;

	(void)child;
	if (uname(&u) != 0 || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return 0;
	if (major > 5 || (major == 5 && minor >= 5))
		return 0;
	snprintf(why, whylen, "seccomp user notification: kernel %s has no SECCOMP_USER_NOTIF_FLAG_CONTINUE (5.5+)",
		 u.release);
	return -1;
}

int sensor_unotify_child_setup(int sock)
{
	int err = sensor_child_no_new_privs();
	int fd = -1;

	if (err == 0) {
		fd = sensor_filter_install(SENSOR_SECCOMP_RET_USER_NOTIF, SENSOR_SECCOMP_FILTER_FLAG_NEW_LISTENER,
					   sensor_unotify_classes);
		if (fd < 0)
			err = errno;
	}
	sensor_reply_send(sock, err, fd);
	if (fd >= 0)
		close(fd); /* the app must not keep the listener */
	return err == 0 ? 0 : -1;
}

int sensor_unotify_parent_after(pid_t child, int sock, char *why, size_t whylen)
{
	int err = 0, nnp = 0, fd = -1;
	uint64_t flags = SENSOR_SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP;

	(void)child;
	if (sensor_reply_recv(sock, &err, &nnp, &fd) != 0) {
		snprintf(why, whylen, "seccomp user notification: no reply from the app process");
		return -1;
	}
	sensor_report.no_new_privs = nnp;
	if (err != 0 || fd < 0) {
		snprintf(why, whylen, "seccomp user notification: %s", strerror(err ? err : EBADF));
		return -1;
	}
	listener = fd;
	/* hand over on one CPU: the app and the sensor take turns instead of waking each other
	 * across CPUs (Linux 6.6+; older kernels answer EINVAL and work, only slower) */
	if (ioctl(listener, SENSOR_SECCOMP_IOCTL_NOTIF_SET_FLAGS, flags) != 0)
		sensor_report_add_fallback("seccomp user notification: synchronous wake-up unavailable (%s)",
					   strerror(errno));
	else
		LOG_DEBUG("user notification listener fd %d with synchronous wake-up", listener);
	sensor_unotify_start_thread();
	return 0;
}

/* The listener is served by a thread of its own that blocks in NOTIF_RECV: a notification then
 * costs the sensor no poll of the main loop's fds, only receive, read, answer. Shared state (paths,
 * processes, the report) is guarded by one lock, which the main thread holds except while it
 * sleeps in poll. */
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static int threaded;

void sensor_state_lock(void)
{
	pthread_mutex_lock(&state_lock);
}

void sensor_state_unlock(void)
{
	pthread_mutex_unlock(&state_lock);
}

int sensor_unotify_threaded(void)
{
	return threaded;
}

static int get_fd(void)
{
	return threaded ? -1 : listener;
}

struct notif_cookie {
	uint64_t id;
	int answered;
};

static int answer(struct notif_cookie *c)
{
	struct sensor_seccomp_notif_resp resp;

	memset(&resp, 0, sizeof resp);
	resp.id = c->id;
	resp.flags = SENSOR_SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	c->answered = 1;
	if (ioctl(listener, SENSOR_SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0)
		return 1;
	if (errno != ENOENT)
		LOG_WARN("seccomp notification send: %s", strerror(errno));
	return 0;
}

/* The tid that made the call may have died and its number been reused while the sensor read its
 * memory. When nothing more needs the caller stopped, the answer itself is the check (it fails
 * with ENOENT for a call that is no longer waiting) and the caller goes on at once: one ioctl
 * instead of two, and the bookkeeping after it no longer delays the app. */
static int still_valid(void *cookie, int done_with_caller)
{
	struct notif_cookie *c = cookie;

	if (done_with_caller)
		return answer(c);
	return ioctl(listener, SENSOR_SECCOMP_IOCTL_NOTIF_ID_VALID, &c->id) == 0;
}

static void handle(const struct sensor_seccomp_notif *req);

void sensor_unotify_on_ready(short revents)
{
	struct sensor_seccomp_notif req;

	if (!(revents & POLLIN)) {
		if (revents & (POLLHUP | POLLERR)) {
			/* no task uses the filter any more */
			LOG_DEBUG("user notification listener closed");
			close(listener);
			listener = -1;
		}
		return;
	}
	memset(&req, 0, sizeof req);
	if (ioctl(listener, SENSOR_SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) {
		if (errno != ENOENT && errno != EINTR)
			LOG_WARN("seccomp notification receive: %s", strerror(errno));
		return;
	}
	handle(&req);
}

static void *serve(void *arg)
{
	struct sensor_seccomp_notif req;

	(void)arg;
	for (;;) {
		memset(&req, 0, sizeof req);
		if (ioctl(listener, SENSOR_SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) {
			if (errno == ENOENT || errno == EINTR)
				continue;
			LOG_WARN("seccomp notification receive: %s", strerror(errno));
			return NULL;
		}
		sensor_state_lock();
		handle(&req);
		sensor_state_unlock();
	}
}

/* Starts the serving thread (the caller holds the state lock); on failure the main loop polls. */
void sensor_unotify_start_thread(void)
{
	pthread_t t;
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 1 << 20); /* the handlers keep a few path buffers on the stack */
	if (pthread_create(&t, &attr, serve, NULL) == 0)
		threaded = 1;
	else
		LOG_DEBUG("no serving thread; the main loop polls the listener");
	pthread_attr_destroy(&attr);
}

/* Lets the serving thread answer the calls already waiting (at most about 100 ms). */
void sensor_unotify_drain(void)
{
	int i;

	for (i = 0; threaded && listener >= 0 && i < 50; i++) {
		struct pollfd p = { listener, POLLIN, 0 };
		if (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
			break;
		sensor_state_unlock();
		usleep(2000);
		sensor_state_lock();
	}
}

static void handle(const struct sensor_seccomp_notif *req)
{
	struct sensor_event ev;
	struct notif_cookie cookie;

	ev.tid = (int)req->pid;
	ev.arch = req->data.arch;
	ev.nr = req->data.nr;
	memcpy(ev.args, req->data.args, sizeof ev.args);
	cookie.id = req->id;
	cookie.answered = 0;
	if (ev.tid > 0)
		sensor_event_handle(&ev, still_valid, &cookie);
	else
		sensor_events_dropped++; /* a task outside our pid namespace view */
	if (!cookie.answered)
		answer(&cookie);
	sensor_procfs_close_stale(); /* the caller runs on meanwhile */
}

static void on_tick(void)
{
	sensor_sample_uring_users();
}

const struct sensor_engine sensor_engine_unotify = {
	.name = "unotify",
	.mode = "seccomp-unotify",
	.cmd = 'U',
	.parent_before = sensor_unotify_parent_before,
	.child_setup = sensor_unotify_child_setup,
	.parent_after = sensor_unotify_parent_after,
	.give_up = NULL,
	.fd = get_fd,
	.on_ready = sensor_unotify_on_ready,
	.on_wait = NULL,
	.on_tick = on_tick,
};
