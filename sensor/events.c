#define _GNU_SOURCE
#include "events.h"
#include "exec_image.h"
#include "kernel.h"
#include "log.h"
#include "paths.h"
#include "procfs.h"
#include "procs.h"
#include "report.h"
#include "syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

uint64_t sensor_events_dropped;
uint64_t sensor_events_seen;
int sensor_events_opens_untraced;
/* the fd an AT_EMPTY_PATH call acted on, from the last resolve (-1: a name was resolved) */
static long resolved_fd = -1;

#define TID_CACHE 4096
static struct {
	int tid, tgid;
} tid_cache[TID_CACHE];

#define AT_FDCWD_ (-100)
#define AT_EMPTY_PATH_ 0x1000
#define O_ACCMODE_ 3
#define O_CREAT_ 0100
#define O_TRUNC_ 01000
#define O_PATH_ 010000000

void sensor_event_forget_tids(void)
{
	memset(tid_cache, 0, sizeof tid_cache);
}

int sensor_event_tgid(int tid)
{
	unsigned slot = (unsigned)tid & (TID_CACHE - 1);
	struct sensor_proc *p;
	int tgid;

	if (tid_cache[slot].tid == tid)
		return tid_cache[slot].tgid;
	/* most calls come from a process's main thread, already known as a process */
	p = sensor_procs_find(tid);
	if (p != NULL)
		return tid;
	tgid = sensor_procfs_tgid(tid);
	if (tgid <= 0)
		tgid = tid;
	tid_cache[slot].tid = tid;
	tid_cache[slot].tgid = tgid;
	return tgid;
}

/* Did the file exist when the sensor looked (just after the call was made)? Lookups of files
 * that never existed are reported as failed, not as use. */
static void check_exists(struct sensor_path *e, int tid)
{
	struct stat st;

	(void)tid;
	/* looked once: a missing file probed by every process (ld.so.preload, PATH candidates) is
	 * not looked up again until something writes it (see the write branch below) */
	if (e == NULL || e->exists || e->checked)
		return;
	e->checked = 1;
	/* recorded paths are as the sensor sees them (a chrooted process's root applied) */
	if (lstat(e->path, &st) == 0)
		e->exists = 1;
}

/* Paths through /proc/<pid|self|thread-self>/{root,cwd,fd/N}/... name files of the image by
 * magic links: follow them (at the moment of the call) so the file itself is recorded. */
static void resolve_proc_links(int tid, char *path, size_t len)
{
	int hop;

	for (hop = 0; hop < 4 && strncmp(path, "/proc/", 6) == 0; hop++) {
		char *p = path + 6, *rest, target[4096], joined[4096];
		int pid;
		long fd = -1;

		if (strncmp(p, "self/", 5) == 0) {
			pid = tid;
			p += 5;
		} else if (strncmp(p, "thread-self/", 12) == 0) {
			pid = tid;
			p += 12;
		} else if (*p >= '1' && *p <= '9') {
			pid = (int)strtol(p, &p, 10);
			if (*p != '/')
				return;
			p++;
		} else {
			return;
		}
		if (strncmp(p, "root", 4) == 0 && (p[4] == '/' || p[4] == '\0')) {
			rest = p + 4;
			if (sensor_procfs_root(pid, target, sizeof target) != 0)
				return;
		} else if (strncmp(p, "cwd", 3) == 0 && (p[3] == '/' || p[3] == '\0')) {
			rest = p + 3;
			if (sensor_procfs_dirfd_path(pid, AT_FDCWD_, target, sizeof target) != 0)
				return;
		} else if (strncmp(p, "fd/", 3) == 0 && p[3] >= '0' && p[3] <= '9') {
			fd = strtol(p + 3, &rest, 10);
			if (*rest != '/' && *rest != '\0')
				return;
			if (sensor_procfs_dirfd_path(pid, fd, target, sizeof target) != 0)
				return;
		} else {
			return;
		}
		if (target[0] != '/')
			return; /* a pipe, a socket, an anonymous inode */
		if (sensor_path_join(joined, sizeof joined, target, *rest == '/' ? rest + 1 : rest) != 0)
			return;
		snprintf(path, len, "%s", joined);
	}
}

/* Resolves path argument `slot` (with its dirfd slot) of a call into an absolute path as the
 * sensor sees it. in_root: openat2's RESOLVE_IN_ROOT (an absolute name starts at the dirfd).
 * Returns 1 when resolved, 0 when there is nothing to record, -1 when the process is unreadable. */
static int resolve(const struct sensor_event *ev, const struct sensor_syscall *row, int dslot, int pslot,
		   const char *root, int in_root, char *out, size_t outlen)
{
	char raw[4096], dir[4096];
	long dirfd = dslot >= 0 ? (long)(int)ev->args[dslot] : AT_FDCWD_;
	int r = sensor_procfs_read_string(ev->tid, ev->args[pslot], raw, sizeof raw);

	if (r == SENSOR_MEM_DENIED)
		return -1;
	resolved_fd = -1;
	if (r != SENSOR_MEM_OK)
		return 0; /* a bad pointer: the call fails with EFAULT */
	sensor_procfs_string_hint(ev->tid, ev->args[pslot], raw);
	if (raw[0] == '\0') {
		/* AT_EMPTY_PATH: the call acts on the fd itself (fexecve, fchownat on an fd) */
		if (row->flags < 0 || !(ev->args[row->flags] & AT_EMPTY_PATH_) || (row->cls & SC_STAT))
			return 0;
		if (sensor_procfs_dirfd_path(ev->tid, dirfd, dir, sizeof dir) != 0 || dir[0] != '/')
			return 0;
		resolved_fd = dirfd;
		return sensor_path_join(out, outlen, "/", dir) == 0;
	}
	if (raw[0] == '/' && !in_root) {
		if (sensor_path_in_root(out, outlen, root, raw) != 0)
			return 0;
	} else {
		if (sensor_procfs_dirfd_path(ev->tid, dirfd, dir, sizeof dir) != 0 || dir[0] != '/')
			return 0;
		if (raw[0] == '/' ? sensor_path_in_root(out, outlen, dir, raw) != 0
				  : sensor_path_join(out, outlen, dir, raw) != 0)
			return 0;
	}
	resolve_proc_links(ev->tid, out, outlen);
	return 1;
}

#define RESOLVE_IN_ROOT_ 0x10

/* openat2's struct open_how: the open flags and the RESOLVE_ flags. */
static void read_how(const struct sensor_event *ev, const struct sensor_syscall *row, uint64_t *flags,
		     uint64_t *resolve_flags)
{
	struct sensor_open_how how;

	*flags = 0;
	*resolve_flags = 0;
	if (sensor_procfs_read_mem(ev->tid, ev->args[row->flags], &how, sizeof how) != SENSOR_MEM_OK)
		return;
	*flags = how.flags;
	*resolve_flags = how.resolve;
}

static int open_is_write(uint64_t flags)
{
	return (flags & O_ACCMODE_) != 0 || (flags & (O_CREAT_ | O_TRUNC_)) != 0;
}

static void handle_exec(const struct sensor_event *ev, const struct sensor_syscall *row, int tgid, const char *path,
			const char *root, sensor_valid_fn valid, void *cookie)
{
	char argv[8192];
	size_t argv_len;
	int ptr_size = (ev->arch == SENSOR_AUDIT_ARCH_I386 || ev->arch == SENSOR_AUDIT_ARCH_ARM ||
			(ev->arch == SENSOR_AUDIT_ARCH_X86_64 && ev->nr >= (long)SENSOR_X32_SYSCALL_BIT))
			       ? 4
			       : 8;
	struct sensor_path *e;
	struct sensor_proc *proc;

	long exec_fd = resolved_fd;
	unsigned long fd_flags = 0;

	/* fexecve: the app opened the file itself; opened to read (not O_PATH), that open is a read
	 * which an engine that does not trace opens may see merged with the exec's own events */
	if (sensor_events_opens_untraced && exec_fd >= 0 &&
	    (sensor_procfs_fd_flags(ev->tid, (int)exec_fd, &fd_flags) != 0 || (fd_flags & O_PATH_)))
		exec_fd = -1;
	argv_len = sensor_procfs_read_argv(ev->tid, ev->args[(int)row->argv], ptr_size, argv, sizeof argv);
	/* The old image is about to be replaced: keep what it had mapped, so the caller stays
	 * stopped until it is sampled below. Not needed when the process was never seen before
	 * (still the image of a parent that was sampled itself, or the sensor's own child) nor for a
	 * forked copy of its parent (the parent's samples show the same maps). A forked copy, whose
	 * record (ppid, root) is complete already, is let go at once: everything after this reads
	 * only the exec'd file and the sensor's own tables, so a fork + exec waits for argv only. */
	proc = sensor_procs_find(tgid);
	if (valid != NULL && !valid(cookie, proc != NULL && proc->forked_copy))
		return;
	/* a PATH search tries execve on every directory: only an existing file is an exec */
	if (sensor_exec_image_inspect(root, tgid, path) != 0) {
		e = sensor_paths_add(path, SENSOR_OP_STAT, tgid);
		check_exists(e, ev->tid);
		return;
	}
	proc = sensor_procs_find(tgid);
	if (proc != NULL && !proc->forked_copy)
		sensor_procfs_sample(tgid, SENSOR_SAMPLE_MAPS);
	e = sensor_paths_add(path, SENSOR_OP_EXEC, tgid);
	if (e != NULL)
		e->exists = e->checked = 1;
	/* a script is read by the interpreter the kernel starts for it */
	if (sensor_events_opens_untraced && (sensor_exec_image_was_script || exec_fd >= 0))
		sensor_paths_add(path, SENSOR_OP_READ, tgid);
	sensor_procs_exec(tgid, path, argv, argv_len);
	LOG_DEBUG("exec pid %d %s", tgid, path);
}

/* The process made an exec the sensor could not read; if the new image is readable now, take
 * its path and argv from /proc (the name the app used, e.g. a symlink, is lost). */
static void recover_exec(struct sensor_proc *proc, int tid)
{
	char exe[4096], argv[8192];
	size_t argv_len;
	int pid = proc->pid;
	struct sensor_path *e;

	if (sensor_procfs_exe(pid, exe, sizeof exe) != 0)
		return;
	if (proc->exe != NULL && strcmp(proc->exe, exe) == 0)
		return; /* still the old image: the exec failed or has not happened */
	proc->exec_pending = 0;
	if (!proc->unreadable_other)
		sensor_procs_clear_unreadable(proc);
	e = sensor_paths_add(exe, SENSOR_OP_EXEC, pid);
	if (e != NULL)
		e->exists = e->checked = 1;
	(void)tid;
	sensor_exec_image_inspect(proc->root, pid, exe);
	argv_len = sensor_procfs_cmdline(pid, argv, sizeof argv);
	sensor_procs_exec(pid, exe, argv, argv_len);
	LOG_DEBUG("exec pid %d %s (recovered from /proc after a user switch)", pid, exe);
}

void sensor_event_handle(const struct sensor_event *ev, sensor_valid_fn valid, void *cookie)
{
	int known = 0, tgid, r;
	const struct sensor_syscall *row = sensor_syscall_lookup(ev->arch, ev->nr, &known);
	struct sensor_proc *proc;
	char path[4096], path2[4096], rootbuf[4096];
	const char *root = NULL;
	uint64_t oflags = 0, resolve_flags = 0;
	enum sensor_op op;

	sensor_events_seen++;
	sensor_procfs_close_stale(); /* engines that do not close them once a call is answered */
	sensor_procfs_stat_forget();
	if (!known) {
		sensor_events_dropped++;
		sensor_report_add_reason("calls of an ABI the sensor has no syscall table for (e.g. 32-bit arm) were not recorded");
		return;
	}
	if (row == NULL)
		return;
	tgid = sensor_event_tgid(ev->tid);
	/* an exec starts a new record itself; the image it replaces is of no interest when the
	 * record would only be created now (e.g. the sensor's own child before the app's exec) */
	proc = (row->cls & SC_EXEC) ? sensor_procs_find(tgid) : sensor_procs_get(tgid);

	if (proc != NULL && proc->root_stale)
		sensor_procs_read_root(proc);
	if (proc != NULL && proc->exec_pending && !(row->cls & SC_EXEC)) {
		recover_exec(proc, ev->tid);
		proc = sensor_procs_find(tgid); /* the record array may have moved */
	}
	if (proc != NULL) {
		root = proc->root;
	} else if (sensor_procs_roots_vary && sensor_procfs_root(ev->tid, rootbuf, sizeof rootbuf) == 0) {
		root = rootbuf; /* the first exec of a process not seen before */
	}
	if (row->cls & SC_ROOT) {
		/* the new root applies once the call returns: look again at the next call */
		sensor_procs_roots_vary = 1;
		if (proc == NULL)
			proc = sensor_procs_get(tgid);
		if (proc != NULL)
			proc->root_stale = 1;
		return;
	}

	if (row->cls & SC_EXIT) {
		/* what the process holds: its maps (the ELF interpreter, mmap'd files) and exe; its fds
		 * were opened by traced calls, except through io_uring */
		sensor_procfs_sample(tgid, SENSOR_SAMPLE_MAPS |
						   (proc == NULL || proc->exe == NULL ? SENSOR_SAMPLE_EXE : 0) |
						   (proc != NULL && proc->io_uring ? SENSOR_SAMPLE_FDS : 0));
		if (proc != NULL)
			proc->sampled_exit = 1;
		sensor_procs_end(proc);
		sensor_event_forget_tids();
		sensor_procfs_forget(ev->tid);
		return;
	}
	if (row->cls & SC_URING) {
		if (proc != NULL && !proc->io_uring) {
			proc->io_uring = 1;
			sensor_report_add_reason("a process used io_uring: its file opens are sampled from /proc, not traced");
		}
		return;
	}

	if (row->cls & SC_HOW)
		read_how(ev, row, &oflags, &resolve_flags);
	else if (row->cls & SC_OPEN)
		oflags = ev->args[row->flags];
	r = resolve(ev, row, row->dirfd, row->path, root, (resolve_flags & RESOLVE_IN_ROOT_) != 0, path, sizeof path);
	if (r < 0) {
		if (proc == NULL)
			proc = sensor_procs_get(tgid);
		sensor_procs_mark_unreadable(proc);
		if (proc != NULL) {
			if (row->cls & SC_EXEC)
				proc->exec_pending = 1;
			else
				proc->unreadable_other = 1;
		}
		return;
	}
	if (r == 0)
		path[0] = '\0';
	path2[0] = '\0';
	if (row->path2 >= 0 && resolve(ev, row, row->dirfd2, row->path2, root, 0, path2, sizeof path2) != 1)
		path2[0] = '\0';

	if (row->cls & SC_EXEC) {
		if (path[0] != '\0')
			handle_exec(ev, row, tgid, path, root, valid, cookie);
		sensor_procfs_forget(ev->tid); /* the mm changes */
		return;
	}
	/* from here on only the sensor's own tables and its own look at the file (check_exists) */
	if (valid != NULL && !valid(cookie, 1))
		return;
	if (path[0] == '\0')
		return;

	if (row->cls & SC_OPEN) {
		uint64_t flags = oflags;
		if (open_is_write(flags)) {
			struct sensor_path *w = sensor_paths_add(path, SENSOR_OP_WRITE, tgid);
			if (w != NULL && !w->exists)
				w->checked = 0;
			/* O_RDWR also reads what was there */
			if ((flags & O_ACCMODE_) == 2)
				check_exists(sensor_paths_add(path, SENSOR_OP_READ, tgid), ev->tid);
			return;
		}
		op = (flags & O_PATH_) ? SENSOR_OP_STAT : SENSOR_OP_READ;
	} else if (row->cls & SC_WRITE) {
		op = SENSOR_OP_WRITE;
	} else if (row->cls & SC_READ) {
		op = SENSOR_OP_READ;
	} else {
		op = SENSOR_OP_STAT;
	}
	{
		struct sensor_path *e = sensor_paths_add(path, op, tgid);
		if (op != SENSOR_OP_WRITE)
			check_exists(e, ev->tid);
		else if (e != NULL && !e->exists)
			e->checked = 0; /* created or changed: look again at the next read */
	}
	if (path2[0] != '\0') {
		struct sensor_path *e = sensor_paths_add(path2, op, tgid);
		if (e != NULL && !e->exists)
			e->checked = 0;
	}
}
