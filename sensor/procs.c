#include "procs.h"
#include "clock.h"
#include "procfs.h"

#include <stdlib.h>
#include <string.h>

uint64_t sensor_procs_dropped;
uint64_t sensor_procs_unreadable;

static struct sensor_proc *procs;
static size_t nprocs, capprocs;
/* pid → index of the live record + 1 (0: none). Pids are below 2^22 (pid_max limit). */
#define PID_LIMIT (1 << 22)
static uint32_t *live;
/* every pid that ever had a record: fanotify events arrive after the process may be gone */
static uint8_t *seen;

static struct sensor_proc *new_record(int pid)
{
	struct sensor_proc *p;

	if (live == NULL && (live = calloc(PID_LIMIT, sizeof *live)) == NULL)
		return NULL;
	if (pid <= 0 || pid >= PID_LIMIT)
		return NULL;
	if (nprocs == capprocs) {
		size_t nc = capprocs ? capprocs * 2 : 256;
		struct sensor_proc *np;
		if (nc > SENSOR_MAX_PROCS || (np = realloc(procs, nc * sizeof *np)) == NULL) {
			sensor_procs_dropped++;
			return NULL;
		}
		procs = np;
		capprocs = nc;
	}
	p = &procs[nprocs++];
	memset(p, 0, sizeof *p);
	p->pid = pid;
	p->start_ms = sensor_now_ms();
	live[pid] = (uint32_t)nprocs;
	if (seen == NULL)
		seen = calloc(PID_LIMIT / 8, 1);
	if (seen != NULL)
		seen[pid / 8] |= (uint8_t)(1u << (pid % 8));
	return p;
}

struct sensor_proc *sensor_procs_find(int pid)
{
	if (live == NULL || pid <= 0 || pid >= PID_LIMIT || live[pid] == 0)
		return NULL;
	return &procs[live[pid] - 1];
}

struct sensor_proc *sensor_procs_get(int pid)
{
	struct sensor_proc *p = sensor_procs_find(pid), *parent;
	char buf[4096];
	size_t len;

	if (p != NULL)
		return p;
	p = new_record(pid);
	if (p == NULL)
		return NULL;
	sensor_procfs_stat_recent(pid, &p->ppid, &p->starttime);
	if (sensor_procfs_exe(pid, buf, sizeof buf) == 0)
		p->exe = strdup(buf);
	parent = sensor_procs_find(p->ppid);
	if (p->exe != NULL && parent != NULL && parent != p && parent->exe != NULL && strcmp(parent->exe, p->exe) == 0 &&
	    parent->argv != NULL) {
		/* a forked copy of its parent (same image): the same argv, and nothing mapped that the
		 * parent's own samples will not show */
		sensor_procs_set_argv(p, parent->argv, parent->argv_len);
		p->forked_copy = 1;
	} else {
		len = sensor_procfs_cmdline(pid, buf, sizeof buf);
		if (len > 0)
			sensor_procs_set_argv(p, buf, len);
	}
	sensor_procs_read_root(p);
	return p;
}

int sensor_procs_roots_vary;

void sensor_procs_read_root(struct sensor_proc *p)
{
	char buf[4096];

	p->root_stale = 0;
	free(p->root);
	p->root = NULL;
	/* until some process calls chroot every process has the sensor's root: no readlink per process */
	if (sensor_procs_roots_vary && sensor_procfs_root(p->pid, buf, sizeof buf) == 0 && strcmp(buf, "/") != 0)
		p->root = strdup(buf);
}

void sensor_procs_end(struct sensor_proc *p)
{
	if (p == NULL)
		return;
	if (p->end_ms == 0)
		p->end_ms = sensor_now_ms();
	if (p->pid > 0 && p->pid < PID_LIMIT && live != NULL && live[p->pid] == (uint32_t)(p - procs) + 1)
		live[p->pid] = 0;
}

struct sensor_proc *sensor_procs_exec(int pid, const char *exe, const char *argv, size_t argv_len)
{
	struct sensor_proc *old = sensor_procs_find(pid);
	int known = old != NULL;
	int ppid = old ? old->ppid : 0;
	unsigned long long st = old ? old->starttime : 0;
	/* copied now: new_record may move the array `old` points into */
	char *root = (old != NULL && old->root != NULL) ? strdup(old->root) : NULL;
	struct sensor_proc *p;

	if (old != NULL)
		sensor_procs_end(old);
	old = NULL;
	p = new_record(pid);
	if (p == NULL) {
		free(root);
		return NULL;
	}
	if (!known)
		sensor_procfs_stat_recent(pid, &ppid, &st);
	p->ppid = ppid;
	p->starttime = st;
	/* an exec keeps the root */
	if (known)
		p->root = root;
	else
		sensor_procs_read_root(p);
	if (exe != NULL)
		p->exe = strdup(exe);
	if (argv != NULL && argv_len > 0)
		sensor_procs_set_argv(p, argv, argv_len);
	return p;
}

void sensor_procs_set_argv(struct sensor_proc *p, const char *argv, size_t argv_len)
{
	char *copy = malloc(argv_len);

	if (copy == NULL)
		return;
	memcpy(copy, argv, argv_len);
	free(p->argv);
	p->argv = copy;
	p->argv_len = argv_len;
}

void sensor_procs_set_exe(struct sensor_proc *p, const char *exe)
{
	char *copy = strdup(exe);

	if (copy == NULL)
		return;
	free(p->exe);
	p->exe = copy;
}

void sensor_procs_mark_unreadable(struct sensor_proc *p)
{
	if (p != NULL && !p->unreadable) {
		p->unreadable = 1;
		sensor_procs_unreadable++;
	}
}

void sensor_procs_clear_unreadable(struct sensor_proc *p)
{
	if (p != NULL && p->unreadable) {
		p->unreadable = 0;
		sensor_procs_unreadable--;
	}
}

int sensor_procs_seen(int pid)
{
	return seen != NULL && pid > 0 && pid < PID_LIMIT && ((seen[pid / 8] >> (pid % 8)) & 1);
}

size_t sensor_procs_count(void)
{
	return nprocs;
}

struct sensor_proc *sensor_procs_at(size_t i)
{
	return &procs[i];
}

void sensor_procs_reap_gone(void)
{
	size_t i;

	for (i = 0; i < nprocs; i++) {
		struct sensor_proc *p = &procs[i];
		unsigned long long st = 0;
		int ppid = 0;

		if (p->end_ms != 0 || live == NULL || live[p->pid] != (uint32_t)i + 1)
			continue;
		if (sensor_procfs_stat(p->pid, &ppid, &st) != 0 || (p->starttime != 0 && st != p->starttime))
			sensor_procs_end(p);
	}
}
