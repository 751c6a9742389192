#ifndef SENSOR_HELPER_H
#define SENSOR_HELPER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Processes that switched to another user cannot be read by the sensor without CAP_SYS_PTRACE.
 * The kernel lets a process read another of the *same* uid/gid (if it is dumpable), so the sensor
 * forks one helper per uid/gid that switches to it (needs CAP_SETUID/CAP_SETGID, which a root
 * sensor has by default) and asks it. Each returns bytes read (>= 0) or -1 when no helper can. */
ssize_t sensor_helper_read_mem(int tid, uint64_t addr, void *buf, size_t len);
ssize_t sensor_helper_readlink(int tid, const char *path, char *buf, size_t len);
ssize_t sensor_helper_read_file(int tid, const char *path, char *buf, size_t len);
/* Is pid one of the helpers (the PID 1 loop reaps them without treating them as app processes)? */
int sensor_helper_is(pid_t pid);

#endif
