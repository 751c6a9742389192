#define _GNU_SOURCE
#include "procfs.h"
#include "log.h"
#include "helper.h"
#include "paths.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | SENSOR_O_LOOP);
	ssize_t n, total = 0;

	if (fd < 0)
		return -1;
	while ((size_t)total < len - 1 && (n = read(fd, buf + total, len - 1 - (size_t)total)) > 0)
		total += n;
	close(fd);
	buf[total] = '\0';
	return (int)total;
}

/* /proc/<pid>/stat is produced whole by one show (single_open): a read that does not fill the
 * buffer has everything, so no second read to see the end. */
static int read_whole_record(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | SENSOR_O_LOOP);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	if ((size_t)n == len - 1)
		return read_file(path, buf, len); /* did not fit: the slow way, to the end */
	buf[n] = '\0';
	return (int)n;
}

/* The last stat read, for the next look at the same pid within one event (see stat_forget). */
static struct {
	int pid, ppid;
	long threads;
	unsigned long long starttime;
} last_stat;

static void hint_forget(void);

void sensor_procfs_stat_forget(void)
{
	last_stat.pid = 0;
	hint_forget();
}

static int read_stat(int pid, int *ppid, unsigned long long *starttime, long *threads)
{
	char path[64], buf[1024], *p;
	int field;

	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if (read_whole_record(path, buf, sizeof buf) <= 0)
		return -1;
	/* comm (field 2) may contain spaces and parentheses: fields restart after the last ')' */
	p = strrchr(buf, ')');
	if (p == NULL)
		return -1;
	p += 2;
	for (field = 3; field <= 22 && p != NULL; field++) {
		if (field == 4 && ppid)
			*ppid = atoi(p);
		if (field == 20 && threads)
			*threads = strtol(p, NULL, 10);
		if (field == 22 && starttime)
			*starttime = strtoull(p, NULL, 10);
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return 0;
}

int sensor_procfs_stat(int pid, int *ppid, unsigned long long *starttime)
{
	return read_stat(pid, ppid, starttime, NULL);
}

int sensor_procfs_stat_recent(int pid, int *ppid, unsigned long long *starttime)
{
	if (pid > 0 && last_stat.pid == pid) {
		if (ppid)
			*ppid = last_stat.ppid;
		if (starttime)
			*starttime = last_stat.starttime;
		return 0;
	}
	return read_stat(pid, ppid, starttime, NULL);
}

int sensor_procfs_tgid(int tid)
{
	char path[64], buf[512], *p;
	long threads = 0;

	/* /proc/<tid>/stat is cheaper than status and is needed anyway for a new process record; a
	 * task alone in its thread group is the group's leader */
	last_stat.pid = 0;
	if (read_stat(tid, &last_stat.ppid, &last_stat.starttime, &threads) == 0 && threads == 1) {
		last_stat.pid = tid;
		return tid;
	}
	snprintf(path, sizeof path, "/proc/%d/status", tid);
	/* only its first lines are needed (Tgid is the fourth): one read of the buffer's size */
	if (read_file(path, buf, sizeof buf) <= 0)
		return -1;
	p = strstr(buf, "\nTgid:");
	return p ? atoi(p + 6) : -1;
}

/* readlink of a /proc/<tid>/... link; another user's process is asked through a helper. */
static int read_link_as(int tid, const char *path, char *buf, size_t len)
{
	ssize_t n = readlink(path, buf, len - 1);

	if (n < 0 && (errno == EACCES || errno == EPERM) && tid > 0)
		n = sensor_helper_readlink(tid, path, buf, len - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* a file deleted after it was opened/mapped: keep the name it had */
	if (n > 10 && strcmp(buf + n - 10, " (deleted)") == 0)
		buf[n - 10] = '\0';
	return 0;
}

static int read_link(const char *path, char *buf, size_t len)
{
	return read_link_as(0, path, buf, len);
}

int sensor_procfs_exe(int pid, char *buf, size_t len)
{
	char path[64];

	snprintf(path, sizeof path, "/proc/%d/exe", pid);
	return read_link_as(pid, path, buf, len);
}

size_t sensor_procfs_cmdline(int pid, char *buf, size_t len)
{
	char path[64];
	int n;

	snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
	n = read_file(path, buf, len);
	return n > 0 ? (size_t)n : 0;
}

static int mem_denied(int err)
{
	return err == EPERM || err == EACCES;
}

/* process_vm_readv is the cheap path; container runtimes' seccomp profiles often refuse it
 * (EPERM) while /proc/<tid>/mem works, so the first EPERM/ENOSYS switches to the mem file. */
static int use_mem_file;
char sensor_procfs_denial[128];

/* A few /proc/<tid>/mem fds stay open: opening one per read would triple the cost per call.
 * An fd keeps the mm it was opened on, so after an exec it reads nothing: reopened then. */
#define MEM_FDS 64
static struct {
	int tid, fd, stale;
} mem_fds[MEM_FDS];

static int mem_fd(int tid, int fresh)
{
	unsigned slot = (unsigned)tid % MEM_FDS;
	char path[64];

	if (mem_fds[slot].fd > 0 && (mem_fds[slot].tid != tid || fresh || mem_fds[slot].stale)) {
		close(mem_fds[slot].fd);
		mem_fds[slot].fd = 0;
	}
	if (mem_fds[slot].fd > 0)
		return mem_fds[slot].fd;
	snprintf(path, sizeof path, "/proc/%d/mem", tid);
	mem_fds[slot].fd = open(path, O_RDONLY | SENSOR_O_LOOP);
	if (mem_fds[slot].fd < 0) {
		int err = errno;
		mem_fds[slot].fd = 0;
		errno = err;
		return -1;
	}
	mem_fds[slot].tid = tid;
	mem_fds[slot].stale = 0;
	return mem_fds[slot].fd;
}

/* The fd of a tid whose mm is gone (exec, exit) is only marked here and closed by
 * sensor_procfs_close_stale once the call is answered: the close (and the release of the old mm
 * it may bring) then no longer delays the app. A stale fd is never read again (mem_fd reopens). */
static int stale_fds;

void sensor_procfs_forget(int tid)
{
	unsigned slot = (unsigned)tid % MEM_FDS;

	if (mem_fds[slot].fd > 0 && mem_fds[slot].tid == tid) {
		mem_fds[slot].stale = 1;
		stale_fds = 1;
	}
}

void sensor_procfs_close_stale(void)
{
	unsigned i;

	if (!stale_fds)
		return;
	stale_fds = 0;
	for (i = 0; i < MEM_FDS; i++) {
		if (mem_fds[i].fd > 0 && mem_fds[i].stale) {
			close(mem_fds[i].fd);
			mem_fds[i].fd = 0;
			mem_fds[i].stale = 0;
		}
	}
}

/* The path an event's handler has just read at (tid, addr): an exec's argv[0] is usually the
 * same string at the same address, so it is not read a second time. Valid for one event. */
static struct {
	int tid;
	uint64_t addr;
	char s[4096];
} hint;

static void hint_forget(void)
{
	hint.tid = 0;
}

void sensor_procfs_string_hint(int tid, uint64_t addr, const char *s)
{
	size_t n = strlen(s);

	if (n >= sizeof hint.s)
		return;
	memcpy(hint.s, s, n + 1);
	hint.tid = tid;
	hint.addr = addr;
}

/* Reads up to len bytes; returns bytes read (>0), 0 on fault, or SENSOR_MEM_DENIED. */
static ssize_t mem_read(int tid, uint64_t addr, void *buf, size_t len)
{
	ssize_t n;
	int attempt;

	if (!use_mem_file) {
		struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
		n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
		if (n > 0)
			return n;
		if (n == 0 || (errno != EPERM && errno != ENOSYS))
			return 0;
		use_mem_file = 1;
		LOG_DEBUG("process_vm_readv: %s; reading /proc/<pid>/mem instead", strerror(errno));
	}
	for (attempt = 0; attempt < 2; attempt++) {
		int fd = mem_fd(tid, attempt);
		if (fd < 0) {
			if (!mem_denied(errno))
				return 0;
			snprintf(sensor_procfs_denial, sizeof sensor_procfs_denial, "open /proc/<pid>/mem: %s",
				 strerror(errno));
			/* another user's process: a helper running as that user may read it */
			n = sensor_helper_read_mem(tid, addr, buf, len);
			return n > 0 ? n : n == 0 ? 0 : SENSOR_MEM_DENIED;
		}
		n = pread(fd, buf, len, (off_t)addr);
		if (n > 0)
			return n;
	}
	return 0;
}

int sensor_procfs_read_mem(int tid, uint64_t addr, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = mem_read(tid, addr + got, (char *)buf + got, len - got);
		if (n == SENSOR_MEM_DENIED)
			return SENSOR_MEM_DENIED;
		if (n <= 0)
			return SENSOR_MEM_FAULT;
		got += (size_t)n;
	}
	return SENSOR_MEM_OK;
}

int sensor_procfs_read_string(int tid, uint64_t addr, char *buf, size_t len)
{
	size_t got = 0;

	if (addr == 0)
		return SENSOR_MEM_FAULT;
	if (hint.tid == tid && tid > 0 && hint.addr == addr && strlen(hint.s) < len) {
		memcpy(buf, hint.s, strlen(hint.s) + 1);
		return SENSOR_MEM_OK;
	}
	while (got < len - 1) {
		/* read up to the end of the page so an unmapped next page cannot fail the read; the
		 * first read is short, as most paths are (the mem file copies through a page) */
		size_t chunk = 4096 - (size_t)((addr + got) & 4095);
		ssize_t n;

		if (got == 0 && chunk > 256)
			chunk = 256;
		if (chunk > len - 1 - got)
			chunk = len - 1 - got;
		n = mem_read(tid, addr + got, buf + got, chunk);
		if (n == SENSOR_MEM_DENIED)
			return SENSOR_MEM_DENIED;
		if (n <= 0)
			return SENSOR_MEM_FAULT;
		if (memchr(buf + got, '\0', (size_t)n) != NULL)
			return SENSOR_MEM_OK;
		got += (size_t)n;
	}
	buf[len - 1] = '\0';
	return SENSOR_MEM_FAULT; /* longer than PATH_MAX: the kernel would refuse it too */
}

size_t sensor_procfs_read_argv(int tid, uint64_t addr, int ptr_size, char *out, size_t len)
{
	size_t used = 0;
	int i;

	unsigned char ptrs[512];
	size_t have = 0, base = 0; /* ptrs holds the pointer bytes [base, base + have) of the array */

	for (i = 0; i < 256 && used + 1 < len; i++) {
		uint64_t p = 0;
		uint32_t p32;
		char arg[4096];
		size_t alen, off = (size_t)i * (size_t)ptr_size;

		if (off + (size_t)ptr_size > base + have) {
			/* a block of pointers per read, never past the end of the page it starts in */
			uint64_t at = addr + off;
			size_t want = 4096 - (size_t)(at & 4095);
			if (want > sizeof ptrs)
				want = sizeof ptrs;
			want -= want % (size_t)ptr_size;
			if (want < (size_t)ptr_size)
				want = (size_t)ptr_size;
			if (sensor_procfs_read_mem(tid, at, ptrs, want) != SENSOR_MEM_OK)
				break;
			base = off;
			have = want;
		}
		if (ptr_size == 4) {
			memcpy(&p32, ptrs + (off - base), 4);
			p = p32;
		} else {
			memcpy(&p, ptrs + (off - base), 8);
		}
		if (p == 0)
			break;
		if (sensor_procfs_read_string(tid, p, arg, sizeof arg) != SENSOR_MEM_OK)
			break;
		alen = strlen(arg) + 1;
		if (used + alen > len)
			break;
		memcpy(out + used, arg, alen);
		used += alen;
	}
	return used;
}

int sensor_procfs_fd_flags(int tid, int fd, unsigned long *flags)
{
	char path[64], info[512], *p;

	snprintf(path, sizeof path, "/proc/%d/fdinfo/%d", tid, fd);
	if (read_file(path, info, sizeof info) <= 0 || (p = strstr(info, "flags:")) == NULL)
		return -1;
	*flags = strtoul(p + 6, NULL, 8);
	return 0;
}

int sensor_procfs_dirfd_path(int tid, long dirfd, char *buf, size_t len)
{
	char path[64];

	if (dirfd == -100) /* AT_FDCWD */
		snprintf(path, sizeof path, "/proc/%d/cwd", tid);
	else
		snprintf(path, sizeof path, "/proc/%d/fd/%d", tid, (int)dirfd);
	return read_link_as(tid, path, buf, len);
}

static void mark_exists(struct sensor_path *e)
{
	if (e != NULL)
		e->exists = e->checked = 1;
}

static void sample_maps(int pid)
{
	static char buf[1 << 20];
	char path[64], last[4096] = "";
	char *line, *next;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/maps", pid);
	fd = open(path, O_RDONLY | SENSOR_O_LOOP);
	if (fd >= 0) {
		ssize_t r;
		n = 0;
		while ((size_t)n < sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - (size_t)n)) > 0) {
			n += r;
			/* x86_64's vsyscall page is the highest mapping there is: once it is read, the
			 * list is complete (one read less per sample) */
			if (n >= 12 && memcmp(buf + n - 12, " [vsyscall]\n", 12) == 0)
				break;
		}
		close(fd);
	} else if (errno == EACCES || errno == EPERM) {
		n = sensor_helper_read_file(pid, path, buf, sizeof buf - 1);
	} else {
		return;
	}
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (line = buf; line != NULL && *line; line = next) {
		char *name;
		size_t len;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		name = strchr(line, '/');
		if (name == NULL)
			continue;
		len = strlen(name);
		if (len > 10 && strcmp(name + len - 10, " (deleted)") == 0)
			name[len - 10] = '\0';
		/* consecutive mappings of one file: count it once per sample */
		if (strcmp(name, last) == 0)
			continue;
		snprintf(last, sizeof last, "%s", name);
		mark_exists(sensor_paths_add(name, SENSOR_OP_MMAP, pid));
	}
}

static void sample_fds(int pid)
{
	char path[64], link[4096], target[4096], info[512], *p;
	int n;
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof path, "/proc/%d/fd", pid);
	d = opendir(path);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(link, sizeof link, "/proc/%d/fd/%s", pid, e->d_name);
		if (read_link(link, target, sizeof target) != 0 || target[0] != '/')
			continue;
		/* the open mode is in fdinfo's "flags:" (octal): O_RDONLY is a read, anything else a write */
		snprintf(link, sizeof link, "/proc/%d/fdinfo/%s", pid, e->d_name);
		n = read_file(link, info, sizeof info);
		p = n > 0 ? strstr(info, "flags:") : NULL;
		if (p != NULL && (strtoul(p + 6, NULL, 8) & 3) != 0)
			sensor_paths_add(target, SENSOR_OP_WRITE, pid);
		else
			mark_exists(sensor_paths_add(target, SENSOR_OP_READ, pid));
	}
	closedir(d);
}

void sensor_procfs_sample(int pid, unsigned what)
{
	char exe[4096];

	if ((what & SENSOR_SAMPLE_EXE) && sensor_procfs_exe(pid, exe, sizeof exe) == 0)
		mark_exists(sensor_paths_add(exe, SENSOR_OP_EXEC, pid));
	if (what & SENSOR_SAMPLE_MAPS)
		sample_maps(pid);
	if (what & SENSOR_SAMPLE_FDS)
		sample_fds(pid);
}

int sensor_procfs_is_descendant(int pid, int ancestor)
{
	int depth, ppid;
	unsigned long long st;

	for (depth = 0; depth < 64 && pid > 1; depth++) {
		ppid = 0;
		if (sensor_procfs_stat(pid, &ppid, &st) != 0)
			return 0;
		if (ppid == ancestor)
			return 1;
		pid = ppid;
	}
	return 0;
}

int sensor_procfs_root(int pid, char *buf, size_t len)
{
	char path[64];

	snprintf(path, sizeof path, "/proc/%d/root", pid);
	return read_link_as(pid, path, buf, len);
}
