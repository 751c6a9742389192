/* Engine 3: /proc sampling. Where neither seccomp nor ptrace is allowed, the sensor looks at every
 * process's exe, maps and open fds on each tick. Files opened and closed between two looks are
 * missed, so the record is never complete. */
#define _GNU_SOURCE
#include "engine.h"
#include "../procfs.h"
#include "../procs.h"
#include "../report.h"

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

static int child_setup(int sock)
{
	(void)sock;
	return 0;
}

static int after(pid_t child, int sock, char *why, size_t whylen)
{
	(void)child;
	(void)sock;
	(void)why;
	(void)whylen;
	sensor_report_add_reason("proc-sampling only sees what processes hold open or mapped when it looks");
	return 0;
}

static int no_fd(void)
{
	return -1;
}

static void on_tick(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int self = (int)getpid();

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		int pid;
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		pid = atoi(e->d_name);
		if (pid == self)
			continue;
		/* only the app's processes: children of the sensor or of a process already seen
		 * (pids are listed in ascending order, so parents usually come first); ppid 0 is a
		 * process entered from outside (docker exec) */
		if (sensor_procs_find(pid) == NULL) {
			int ppid = 0;
			unsigned long long st = 0;
			if (sensor_procfs_stat(pid, &ppid, &st) != 0 || ppid == 0 ||
			    (ppid != self && sensor_procs_find(ppid) == NULL))
				continue;
		}
		if (sensor_procs_get(pid) == NULL)
			continue;
		sensor_procfs_sample(pid, SENSOR_SAMPLE_EXE | SENSOR_SAMPLE_MAPS | SENSOR_SAMPLE_FDS);
	}
	closedir(d);
	sensor_procs_reap_gone();
}

const struct sensor_engine sensor_engine_proc = {
	.name = "proc",
	.mode = "proc-sampling",
	.cmd = 'N',
	.parent_before = NULL,
	.child_setup = child_setup,
	.parent_after = after,
	.give_up = NULL,
	.fd = no_fd,
	.on_ready = NULL,
	.on_wait = NULL,
	.on_tick = on_tick,
};
