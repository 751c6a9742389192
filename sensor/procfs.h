#ifndef SENSOR_PROCFS_H
#define SENSOR_PROCFS_H

#include <stddef.h>
#include <stdint.h>

/* Flags for files the event loop opens and closes again: no O_CLOEXEC, because the app was forked
 * before the loop started and helpers never exec, while musl emulates O_CLOEXEC with an extra
 * fcntl call per open (measurable per traced exec). */
#define SENSOR_O_LOOP 0

/* Reading another process through /proc and process_vm_readv. Results below: 0 ok, -1 failed. */

int sensor_procfs_stat(int pid, int *ppid, unsigned long long *starttime);
int sensor_procfs_tgid(int tid);
/* sensor_procfs_stat, answered from the read sensor_procfs_tgid just made for the same pid unless
 * sensor_procfs_stat_forget was called since (at the start of every event). */
int sensor_procfs_stat_recent(int pid, int *ppid, unsigned long long *starttime);
void sensor_procfs_stat_forget(void);
/* The open flags of fd N of tid (fdinfo's "flags:"). */
int sensor_procfs_fd_flags(int tid, int fd, unsigned long *flags);
int sensor_procfs_exe(int pid, char *buf, size_t len);
size_t sensor_procfs_cmdline(int pid, char *buf, size_t len);

/* Why the last process could not be read (for the report). */
extern char sensor_procfs_denial[128];

enum { SENSOR_MEM_OK = 0, SENSOR_MEM_FAULT = -1, SENSOR_MEM_DENIED = -2 };
/* Copies a NUL-terminated string from the tracee (tid) at addr. */
int sensor_procfs_read_string(int tid, uint64_t addr, char *buf, size_t len);
int sensor_procfs_read_mem(int tid, uint64_t addr, void *buf, size_t len);
/* Reads a NULL-terminated array of string pointers (argv) into NUL-separated out; returns the
 * bytes used (0 when unreadable). ptr_size: 8, or 4 for 32-bit ABIs. */
size_t sensor_procfs_read_argv(int tid, uint64_t addr, int ptr_size, char *out, size_t len);

/* The root directory of pid as the sensor sees it ("/" unless it is chrooted). */
int sensor_procfs_root(int pid, char *buf, size_t len);

/* Drops cached state of a thread (after exec or exit). */
void sensor_procfs_forget(int tid);
/* Closes the fds sensor_procfs_forget let go of; cheap when there are none. */
void sensor_procfs_close_stale(void);
/* Lets the next sensor_procfs_read_string of (tid, addr) within this event answer s unread. */
void sensor_procfs_string_hint(int tid, uint64_t addr, const char *s);

/* Directory a dirfd names in tid at this moment (dirfd -100 = AT_FDCWD → cwd). */
int sensor_procfs_dirfd_path(int tid, long dirfd, char *buf, size_t len);

/* Is pid a descendant of ancestor (walking parents through /proc)? Processes entered from outside
 * (docker exec, kubectl exec) have parent 0 and are not. */
int sensor_procfs_is_descendant(int pid, int ancestor);

/* What a process holds right now, recorded into the path table. */
#define SENSOR_SAMPLE_MAPS 1u
#define SENSOR_SAMPLE_FDS 2u
#define SENSOR_SAMPLE_EXE 4u
void sensor_procfs_sample(int pid, unsigned what);

#endif
