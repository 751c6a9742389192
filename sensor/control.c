#define _GNU_SOURCE
#include "control.h"
#include "clock.h"
#include "log.h"
#include "options.h"
#include "procfs.h"
#include "report.h"

#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct sensor_found {
	int pid;
	int stop_signal;
	char artifacts_dir[4096];
};

/* Is pid a sensor in run mode? Fills what its command line says. */
static int inspect(int pid, struct sensor_found *f)
{
	char buf[65536], *args[512];
	size_t len = sensor_procfs_cmdline(pid, buf, sizeof buf), i = 0;
	int n = 0, k;
	const char *base;

	while (i < len && n < 512) {
		args[n++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	if (n < 2)
		return 0;
	base = strrchr(args[0], '/');
	base = base ? base + 1 : args[0];
	if (strncmp(base, "creach-sensor", 13) != 0 || strcmp(args[1], "run") != 0)
		return 0;
	f->pid = pid;
	f->stop_signal = 0;
	snprintf(f->artifacts_dir, sizeof f->artifacts_dir, "%s", SENSOR_DEFAULT_ARTIFACTS_DIR);
	for (k = 2; k < n; k++) {
		const char *a = args[k], *v = NULL;
		if (strcmp(a, "--") == 0)
			break;
		if (strncmp(a, "--stop-signal", 13) == 0 || strncmp(a, "--artifacts-dir", 15) == 0) {
			v = strchr(a, '=');
			if (v != NULL)
				v++;
			else if (k + 1 < n)
				v = args[++k];
			if (v == NULL)
				continue;
			if (a[2] == 's')
				f->stop_signal = sensor_parse_signal(v);
			else
				snprintf(f->artifacts_dir, sizeof f->artifacts_dir, "%s", v);
		}
	}
	return 1;
}

/* PID 1 when the sensor is the container's init, otherwise the first sensor found in /proc
 * (the one writing to `dir` when a directory was given). */
static int find_sensor(struct sensor_found *f, const char *dir)
{
	DIR *d;
	struct dirent *e;
	int self = (int)getpid();

	if (inspect(1, f) && (dir == NULL || strcmp(dir, f->artifacts_dir) == 0))
		return 1;
	d = opendir("/proc");
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		int pid = atoi(e->d_name);
		if (pid > 1 && pid != self && inspect(pid, f) && (dir == NULL || strcmp(dir, f->artifacts_dir) == 0)) {
			closedir(d);
			return 1;
		}
	}
	closedir(d);
	return 0;
}

static char *read_report(const char *dir, size_t *len_out)
{
	char path[4200];
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, SENSOR_REPORT_NAME);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	for (;;) {
		if (len + 65536 > cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 131072);
			if (nb == NULL) {
				free(buf);
				close(fd);
				return NULL;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (len_out)
		*len_out = len;
	return buf;
}

/* Options shared by the subcommands: --artifacts-dir DIR, --timeout DUR. */
static int sub_options(int argc, char **argv, const char **dir, long *timeout_ms)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--artifacts-dir") == 0 && i + 1 < argc) {
			*dir = argv[++i];
		} else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc && timeout_ms != NULL) {
			*timeout_ms = sensor_parse_duration(argv[++i]);
			if (*timeout_ms < 0) {
				LOG_ERROR("--timeout %s: not a duration", argv[i]);
				return 1;
			}
		} else if (strcmp(argv[i], "--debug") == 0) {
			sensor_log_verbosity = SENSOR_LOG_DEBUG;
		} else {
			LOG_ERROR("unknown option %s", argv[i]);
			return 1;
		}
	}
	return 0;
}

static int process_alive(int pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}

/* An abstract unix socket (no file: `docker cp` of the artifacts dir cannot copy sockets), named
 * after the mount namespace and the artifacts dir, so that containers sharing the host network
 * (and so the abstract namespace) do not meet each other's sensor. */
static socklen_t control_address(const char *dir, struct sockaddr_un *sa)
{
	char ns[64];
	ssize_t n = readlink("/proc/self/ns/mnt", ns, sizeof ns - 1);
	int len;

	ns[n > 0 ? n : 0] = '\0';
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	len = snprintf(sa->sun_path + 1, sizeof sa->sun_path - 1, "creach-sensor:%s:%s", ns, dir);
	if (len < 0 || len >= (int)sizeof sa->sun_path - 1)
		len = (int)sizeof sa->sun_path - 2;
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)len);
}

int sensor_control_listen(const char *dir)
{
	struct sockaddr_un sa;
	socklen_t len = control_address(dir, &sa);
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, len) != 0 || listen(fd, 4) != 0) {
		LOG_DEBUG("control socket @%s: %s (report/status read the last flush)", sa.sun_path + 1, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void sensor_control_serve(int lfd)
{
	int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	char req, ok = 'k';

	if (c < 0)
		return;
	struct pollfd p = { c, POLLIN, 0 };

	/* the client sends one byte right after connecting; one that sends nothing is not waited
	 * for long (the app's traced calls wait meanwhile) */
	if (poll(&p, 1, 200) == 1 && recv(c, &req, 1, MSG_DONTWAIT) == 1 && req == 'f' && !sensor_report.final)
		sensor_report_write();
	if (send(c, &ok, 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1)
		LOG_DEBUG("control socket: reply: %s", strerror(errno));
	close(c);
}

void sensor_control_close(int lfd, const char *dir)
{
	(void)dir;
	if (lfd >= 0)
		close(lfd);
}

/* Asks the running sensor for a fresh report; quietly does nothing when it cannot. */
static void request_flush(const char *dir)
{
	struct sockaddr_un sa;
	socklen_t len = control_address(dir, &sa);
	struct pollfd p;
	char req = 'f', ok;
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&sa, len) == 0 && send(fd, &req, 1, MSG_NOSIGNAL) == 1) {
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, 5000) == 1 && recv(fd, &ok, 1, 0) != 1)
			LOG_DEBUG("control socket: no answer");
	}
	close(fd);
}

int sensor_cmd_stop(int argc, char **argv)
{
	struct sensor_found f;
	const char *dir = NULL;
	long timeout_ms = 0;
	int sig;
	int64_t deadline;
	struct timespec ts = { 0, 20 * 1000000L };

	if (sub_options(argc, argv, &dir, &timeout_ms) != 0)
		return 2;
	if (!find_sensor(&f, dir)) {
		LOG_ERROR("no creach-sensor running (\"creach-sensor run\") in this container");
		return 1;
	}
	if (dir == NULL)
		dir = f.artifacts_dir;
	sig = f.stop_signal ? f.stop_signal : SIGTERM;
	if (timeout_ms <= 0)
		timeout_ms = 10 * 60 * 1000;
	if (kill(f.pid, sig) != 0) {
		LOG_ERROR("signal SIG%s to the sensor (pid %d): %s", sensor_signal_name(sig), f.pid, strerror(errno));
		return 1;
	}
	LOG_DEBUG("sent SIG%s to the sensor (pid %d), waiting for the final report in %s", sensor_signal_name(sig),
		  f.pid, dir);
	deadline = sensor_monotonic_ms() + timeout_ms;
	while (sensor_monotonic_ms() < deadline) {
		char *r = read_report(dir, NULL);
		int final = r != NULL && strstr(r, "\"final\":true") != NULL;
		free(r);
		if (final)
			return 0;
		if (!process_alive(f.pid)) {
			LOG_ERROR("the sensor exited without a final report in %s", dir);
			return 1;
		}
		nanosleep(&ts, NULL);
	}
	LOG_ERROR("timed out waiting for the final report in %s", dir);
	return 1;
}

int sensor_cmd_report(int argc, char **argv)
{
	struct sensor_found f;
	const char *dir = NULL;
	size_t len = 0, off = 0;
	char *r;

	if (sub_options(argc, argv, &dir, NULL) != 0)
		return 2;
	if (dir == NULL)
		dir = find_sensor(&f, NULL) ? f.artifacts_dir : SENSOR_DEFAULT_ARTIFACTS_DIR;
	request_flush(dir);
	r = read_report(dir, &len);
	if (r == NULL) {
		LOG_ERROR("no report in %s: %s", dir, strerror(errno));
		return 1;
	}
	while (off < len) {
		ssize_t n = write(STDOUT_FILENO, r + off, len - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(r);
	return off == len ? 0 : 1;
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/* Copies the JSON value of "key": from the report (a string or a literal), or "null". */
static void field(const char *r, const char *key, char *out, size_t outlen)
{
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof pat, "\"%s\":", key);
	p = strstr(r, pat);
	snprintf(out, outlen, "null");
	if (p == NULL)
		return;
	p += strlen(pat);
	if (*p == '"') {
		e = strchr(p + 1, '"');
		if (e == NULL)
			return;
		e++;
	} else {
		e = p + strcspn(p, ",}]");
	}
	if ((size_t)(e - p) < outlen)
		snprintf(out, outlen, "%.*s", (int)(e - p), p);
}

int sensor_cmd_status(int argc, char **argv)
{
	struct sensor_found f;
	const char *dir = NULL;
	int found;
	char *r;
	const char *state;
	char mode[64], complete[16], updated[64], exit_status[16];

	if (sub_options(argc, argv, &dir, NULL) != 0)
		return 2;
	found = find_sensor(&f, dir);
	if (dir == NULL)
		dir = found ? f.artifacts_dir : SENSOR_DEFAULT_ARTIFACTS_DIR;
	if (found)
		request_flush(dir);
	r = read_report(dir, NULL);
	if (!found)
		state = "exited";
	else if (r != NULL && strstr(r, "\"final\":true") != NULL)
		state = "stopped";
	else
		state = "running";
	if (r == NULL) {
		printf("{\"state\":\"%s\",\"pid\":%d,\"mode\":null,\"report\":false}\n", state, found ? f.pid : 0);
		return 0;
	}
	field(r, "mode", mode, sizeof mode);
	field(r, "complete", complete, sizeof complete);
	field(r, "updatedAt", updated, sizeof updated);
	field(r, "exitStatus", exit_status, sizeof exit_status);
	printf("{\"state\":\"%s\",\"pid\":%d,\"mode\":%s,\"report\":true,\"complete\":%s,\"updatedAt\":%s,"
	       "\"exitStatus\":%s,\"counts\":{\"files\":%zu,\"processes\":%zu}}\n",
	       state, found ? f.pid : 0, mode, complete, updated, exit_status, count(r, "{\"path\":"),
	       count(r, "{\"pid\":"));
	free(r);
	return 0;
}
