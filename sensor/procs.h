#ifndef SENSOR_PROCS_H
#define SENSOR_PROCS_H

#include <stddef.h>
#include <stdint.h>

/* One record per process image: an exec closes the record of the old image and opens a new one
 * for the same pid, so the report shows the chain (sh → cat). */
struct sensor_proc {
	int pid;
	int ppid;
	char *exe;
	char *root; /* the process's root directory as the sensor sees it; NULL: the same as the sensor's */
	char *argv; /* NUL-separated, argv_len bytes */
	size_t argv_len;
	int64_t start_ms, end_ms; /* 0: unknown / still running */
	unsigned long long starttime; /* /proc/<pid>/stat field 22, to notice pid reuse */
	unsigned io_uring : 1, unreadable : 1, sampled_exit : 1;
	/* an exec the sensor could not read (the process had just switched user and is not dumpable
	 * until the exec completes): recovered from /proc/<pid>/exe at its next call */
	unsigned exec_pending : 1, unreadable_other : 1, root_stale : 1;
	/* first seen as a fork of its parent's image (same exe): its maps are the parent's */
	unsigned forked_copy : 1;
};

#define SENSOR_MAX_PROCS 65536

extern uint64_t sensor_procs_dropped;
extern uint64_t sensor_procs_unreadable;

/* Records live in one array that grows: a pointer from these functions is good until the next
 * call that may create a record (get, exec).
 * The live record of process pid (tgid), created (with ppid/exe/argv read from /proc) when new. */
struct sensor_proc *sensor_procs_get(int pid);
/* Live record only if known, without creating it. */
struct sensor_proc *sensor_procs_find(int pid);
/* Ends the live record (at exit or before an exec replaces the image). */
void sensor_procs_end(struct sensor_proc *p);
/* Starts a new record for pid after an exec, with the exec's path and argv. */
struct sensor_proc *sensor_procs_exec(int pid, const char *exe, const char *argv, size_t argv_len);
void sensor_procs_set_argv(struct sensor_proc *p, const char *argv, size_t argv_len);
void sensor_procs_set_exe(struct sensor_proc *p, const char *exe);
/* Re-reads the root of the process (at creation, and after it called chroot). */
void sensor_procs_read_root(struct sensor_proc *p);
/* Set once a process called chroot (roots are read per process from then on). */
extern int sensor_procs_roots_vary;
void sensor_procs_mark_unreadable(struct sensor_proc *p);
void sensor_procs_clear_unreadable(struct sensor_proc *p);
/* Did pid ever have a record (it may have ended since)? */
int sensor_procs_seen(int pid);
size_t sensor_procs_count(void);
struct sensor_proc *sensor_procs_at(size_t i);
/* Ends records of processes that are gone (killed by a signal: no exit_group was seen). */
void sensor_procs_reap_gone(void);

#endif
