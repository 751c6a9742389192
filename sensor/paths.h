#ifndef SENSOR_PATHS_H
#define SENSOR_PATHS_H

#include <stddef.h>
#include <stdint.h>

enum sensor_op { SENSOR_OP_READ, SENSOR_OP_WRITE, SENSOR_OP_EXEC, SENSOR_OP_MMAP, SENSOR_OP_STAT, SENSOR_OP_COUNT };

struct sensor_path {
	char *path; /* NULL: empty slot */
	uint32_t hash;
	uint32_t counts[SENSOR_OP_COUNT];
	int first_pid;
	unsigned exists : 1; /* the sensor saw the file exist (lookups of missing files are "failed") */
	unsigned checked : 1;
	/* fanotify: an open seen whose close (which tells read from write) is not yet seen */
	unsigned open_pending : 1;
	/* fanotify: exec opens whose close is still to come (that close is not a read) */
	uint16_t exec_unclosed;
};

/* Bounded table: at most SENSOR_MAX_PATHS entries and SENSOR_MAX_PATH_BYTES of names; what
 * does not fit is counted in sensor_paths_dropped (and makes the report incomplete). */
#define SENSOR_MAX_PATHS (1u << 17)
#define SENSOR_MAX_PATH_BYTES (48u << 20)

extern uint64_t sensor_paths_dropped;

void sensor_paths_init(const char *artifacts_dir);
/* Records an op on an absolute, normalised path. Excluded paths (/proc, /sys, /dev, the sensor's
 * own files) are ignored. */
struct sensor_path *sensor_paths_add(const char *path, enum sensor_op op, int pid);
/* The entry of a path, created with no op counted when new (NULL when excluded or full). */
struct sensor_path *sensor_paths_entry(const char *path, int pid);
/* The read count the report shows: an open whose close is still to come counts as one read. */
uint32_t sensor_path_reads(const struct sensor_path *e);
size_t sensor_paths_count(void);
/* Iteration: index from 0 to capacity; returns NULL on empty slots. */
size_t sensor_paths_capacity(void);
const struct sensor_path *sensor_paths_at(size_t i);
const char *sensor_op_name(enum sensor_op op);

/* Joins base (absolute) and rel, collapsing "//", "/./" and "/../" lexically (symlinks are kept
 * as the app named them). Returns 0 on success, -1 when the result does not fit. */
int sensor_path_join(char *out, size_t outlen, const char *base, const char *rel);
/* An absolute path as a chrooted process names it, as the sensor sees it: root + path, with
 * ".." stopping at the process's root like the kernel's. root NULL or "/" is the sensor's root. */
int sensor_path_in_root(char *out, size_t outlen, const char *root, const char *path);

#endif
