#include "paths.h"
#include "log.h"
#include "options.h"

#define SENSOR_OWN_DIR_ SENSOR_OWN_DIR

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

uint64_t sensor_paths_dropped;

static struct sensor_path *table;
static size_t capacity, used, bytes;
static char artifacts[4096];
static size_t artifacts_len;
static char self_exe[4096];

static const char *const op_names[SENSOR_OP_COUNT] = { "read", "write", "exec", "mmap", "stat" };

const char *sensor_op_name(enum sensor_op op)
{
	return op_names[op];
}

void sensor_paths_init(const char *artifacts_dir)
{
	/* the table starts small and doubles up to its bound, so a small app costs little memory */
	capacity = 4096;
	table = calloc(capacity, sizeof *table);
	{
		ssize_t n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
		self_exe[n > 0 ? n : 0] = '\0';
	}
	if (artifacts_dir != NULL && artifacts_dir[0] == '/' &&
	    sensor_path_join(artifacts, sizeof artifacts, "/", artifacts_dir) == 0)
		artifacts_len = strlen(artifacts);
}

static uint32_t hash_path(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

static int has_prefix_dir(const char *path, const char *dir, size_t len)
{
	return strncmp(path, dir, len) == 0 && (path[len] == '\0' || path[len] == '/');
}

static int excluded(const char *path)
{
	if (has_prefix_dir(path, "/proc", 5) || has_prefix_dir(path, "/sys", 4) || has_prefix_dir(path, "/dev", 4))
		return 1;
	if (has_prefix_dir(path, SENSOR_OWN_DIR_, sizeof SENSOR_OWN_DIR_ - 1))
		return 1;
	if (artifacts_len > 1 && has_prefix_dir(path, artifacts, artifacts_len))
		return 1;
	if (self_exe[0] != '\0' && strcmp(path, self_exe) == 0)
		return 1;
	return 0;
}

static int grow(void)
{
	size_t newcap = capacity * 2, i;
	struct sensor_path *nt;

	if (newcap > SENSOR_MAX_PATHS)
		return -1;
	nt = calloc(newcap, sizeof *nt);
	if (nt == NULL)
		return -1;
	for (i = 0; i < capacity; i++) {
		size_t j;
		if (table[i].path == NULL)
			continue;
		j = table[i].hash & (newcap - 1);
		while (nt[j].path != NULL)
			j = (j + 1) & (newcap - 1);
		nt[j] = table[i];
	}
	free(table);
	table = nt;
	capacity = newcap;
	return 0;
}

static struct sensor_path *entry(const char *path, int pid)
{
	uint32_t h;
	size_t i, len;

	if (table == NULL || path[0] != '/' || excluded(path))
		return NULL;
	h = hash_path(path);
	for (i = h & (capacity - 1); table[i].path != NULL; i = (i + 1) & (capacity - 1)) {
		if (table[i].hash == h && strcmp(table[i].path, path) == 0)
			return &table[i];
	}
	len = strlen(path);
	/* keep the load factor under 3/4 */
	if ((used + 1) * 4 > capacity * 3) {
		if (grow() != 0) {
			sensor_paths_dropped++;
			return NULL;
		}
		for (i = h & (capacity - 1); table[i].path != NULL; i = (i + 1) & (capacity - 1))
			;
	}
	if (bytes + len + 1 > SENSOR_MAX_PATH_BYTES || (table[i].path = strdup(path)) == NULL) {
		sensor_paths_dropped++;
		return NULL;
	}
	bytes += len + 1;
	used++;
	table[i].hash = h;
	table[i].first_pid = pid;
	return &table[i];
}

struct sensor_path *sensor_paths_add(const char *path, enum sensor_op op, int pid)
{
	struct sensor_path *e = entry(path, pid);

	if (e != NULL)
		e->counts[op]++;
	return e;
}

struct sensor_path *sensor_paths_entry(const char *path, int pid)
{
	return entry(path, pid);
}

uint32_t sensor_path_reads(const struct sensor_path *e)
{
	return e->counts[SENSOR_OP_READ] ? e->counts[SENSOR_OP_READ] : e->open_pending;
}

size_t sensor_paths_count(void)
{
	return used;
}

size_t sensor_paths_capacity(void)
{
	return capacity;
}

const struct sensor_path *sensor_paths_at(size_t i)
{
	return table[i].path != NULL ? &table[i] : NULL;
}

int sensor_path_join(char *out, size_t outlen, const char *base, const char *rel)
{
	size_t n = 0;
	const char *parts[2];
	int k;

	if (outlen < 2)
		return -1;
	parts[0] = (rel[0] == '/') ? "/" : base;
	parts[1] = rel;
	out[n++] = '/';
	for (k = 0; k < 2; k++) {
		const char *p = parts[k];
		while (*p) {
			const char *seg;
			size_t seglen;

			while (*p == '/')
				p++;
			if (*p == '\0')
				break;
			seg = p;
			while (*p && *p != '/')
				p++;
			seglen = (size_t)(p - seg);
			if (seglen == 1 && seg[0] == '.')
				continue;
			if (seglen == 2 && seg[0] == '.' && seg[1] == '.') {
				/* drop the last component (never above the root) */
				while (n > 1 && out[n - 1] != '/')
					n--;
				if (n > 1)
					n--;
				continue;
			}
			if (n > 1) {
				if (n + 1 >= outlen)
					return -1;
				out[n++] = '/';
			}
			if (n + seglen >= outlen)
				return -1;
			memcpy(out + n, seg, seglen);
			n += seglen;
		}
	}
	out[n] = '\0';
	return 0;
}

int sensor_path_in_root(char *out, size_t outlen, const char *root, const char *path)
{
	char inner[4096];

	if (sensor_path_join(inner, sizeof inner, "/", path) != 0)
		return -1;
	if (root == NULL || strcmp(root, "/") == 0) {
		if (strlen(inner) >= outlen)
			return -1;
		memcpy(out, inner, strlen(inner) + 1);
		return 0;
	}
	return sensor_path_join(out, outlen, root, inner + 1);
}
