#define _GNU_SOURCE
#include "report.h"
#include "clock.h"
#include "events.h"
#include "log.h"
#include "paths.h"
#include "procfs.h"
#include "procs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SENSOR_VERSION
#define SENSOR_VERSION "0.0.0-dev"
#endif

#if defined(__x86_64__)
#define ARCH_NAME "x86_64"
#else
#define ARCH_NAME "aarch64"
#endif

struct sensor_report_state sensor_report;

void sensor_report_add_fallback(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int i;

	if (sensor_report.nfallback >= SENSOR_MAX_NOTES)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s == NULL)
		return;
	for (i = 0; i < sensor_report.nfallback; i++) {
		if (strcmp(sensor_report.fallback[i], s) == 0) {
			free(s);
			return;
		}
	}
	sensor_report.fallback[sensor_report.nfallback++] = s;
}

void sensor_report_add_reason(const char *reason)
{
	int i;

	for (i = 0; i < sensor_report.nincomplete; i++)
		if (strcmp(sensor_report.incomplete[i], reason) == 0)
			return;
	if (sensor_report.nincomplete < SENSOR_MAX_NOTES)
		sensor_report.incomplete[sensor_report.nincomplete++] = strdup(reason);
}

/* JSON string; bytes that are not valid UTF-8 become \u00XX so the document stays valid. */
static void json_string_n(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	fputc('"', f);
	while (p < end) {
		unsigned char c = *p;
		int need = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : -1;
		int k, ok = need >= 0 && p + need < end + 0 && (size_t)(end - p) > (size_t)need;

		for (k = 1; ok && k <= need; k++)
			if ((p[k] & 0xc0) != 0x80)
				ok = 0;
		if (c < 0x80) {
			if (c == '"' || c == '\\')
				fprintf(f, "\\%c", c);
			else if (c == '\n')
				fputs("\\n", f);
			else if (c == '\t')
				fputs("\\t", f);
			else if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
			p++;
		} else if (ok && need > 0 && !(c == 0xc0 || c == 0xc1)) {
			fwrite(p, 1, (size_t)need + 1, f);
			p += need + 1;
		} else {
			fprintf(f, "\\u%04x", c);
			p++;
		}
	}
	fputc('"', f);
}

static void json_string(FILE *f, const char *s)
{
	json_string_n(f, s ? s : "", s ? strlen(s) : 0);
}

static void json_time(FILE *f, int64_t ms)
{
	char t[40];

	if (ms == 0) {
		fputs("null", f);
		return;
	}
	sensor_format_time(ms, t, sizeof t);
	fprintf(f, "\"%s\"", t);
}

static void json_argv(FILE *f, const char *argv, size_t len)
{
	size_t i = 0;
	int first = 1;

	fputc('[', f);
	while (i < len) {
		size_t l = strnlen(argv + i, len - i);
		if (!first)
			fputc(',', f);
		json_string_n(f, argv + i, l);
		first = 0;
		i += l + 1;
	}
	fputc(']', f);
}

static uint32_t count_of(const struct sensor_path *e, int op)
{
	return op == SENSOR_OP_READ ? sensor_path_reads(e) : e->counts[op];
}

static int cmp_paths(const void *a, const void *b)
{
	const struct sensor_path *pa = *(const struct sensor_path *const *)a, *pb = *(const struct sensor_path *const *)b;
	return strcmp(pa->path, pb->path);
}

void sensor_report_emit(FILE *f)
{
	const struct sensor_options *o = sensor_report.opts;
	uint64_t dropped_paths = sensor_paths_dropped, dropped_procs = sensor_procs_dropped,
		 unreadable = sensor_procs_unreadable, dropped_events = sensor_events_dropped;
	int complete, i, first;
	size_t n, k, npaths = 0;
	const struct sensor_path **sorted;

	complete = sensor_report.nincomplete == 0 && dropped_paths == 0 && dropped_procs == 0 && unreadable == 0 &&
		   dropped_events == 0;
	fprintf(f, "{\"schema\":\"creach.report/v1\",\"sensor\":{\"version\":\"%s\",\"arch\":\"%s\"},", SENSOR_VERSION,
		ARCH_NAME);
	fputs("\"image\":{\"reference\":", f);
	json_string(f, o ? o->image_ref : "");
	fputs(",\"configDigest\":", f);
	json_string(f, o ? o->image_digest : "");
	fputs("},\"tracing\":{\"mode\":", f);
	json_string(f, sensor_report.mode ? sensor_report.mode : "none");
	fputs(",\"helpers\":[", f);
	for (i = 0; i < sensor_report.nhelpers; i++) {
		if (i)
			fputc(',', f);
		json_string(f, sensor_report.helpers[i]);
	}
	fprintf(f, "],\"noNewPrivs\":%s,\"fallbackReasons\":[", sensor_report.no_new_privs ? "true" : "false");
	for (i = 0; i < sensor_report.nfallback; i++) {
		if (i)
			fputc(',', f);
		json_string(f, sensor_report.fallback[i]);
	}
	fprintf(f, "]},\"complete\":%s,\"incompleteReasons\":[", complete ? "true" : "false");
	first = 1;
	for (i = 0; i < sensor_report.nincomplete; i++) {
		if (!first)
			fputc(',', f);
		json_string(f, sensor_report.incomplete[i]);
		first = 0;
	}
#define REASON(cond, text)                         \
	do {                                       \
		if (cond) {                        \
			if (!first)                \
				fputc(',', f);     \
			json_string(f, text);      \
			first = 0;                 \
		}                                  \
	} while (0)
	REASON(dropped_paths > 0, "the path table was full: some paths were dropped");
	REASON(dropped_procs > 0, "the process table was full: some processes were dropped");
	if (unreadable > 0) {
		char why[512];
		snprintf(why, sizeof why,
			 "%llu processes could not be read (%s): a process running as another user, or one that is "
			 "not dumpable, needs CAP_SYS_PTRACE",
			 (unsigned long long)unreadable, sensor_procfs_denial[0] ? sensor_procfs_denial : "access denied");
		REASON(1, why);
	}
	REASON(dropped_events > 0, "some calls could not be decoded");
#undef REASON
	fprintf(f,
		"],\"final\":%s,\"state\":\"%s\",\"dropped\":{\"paths\":%llu,\"processes\":%llu,\"events\":%llu,"
		"\"unreadableProcesses\":%llu},\"eventsSeen\":%llu,",
		sensor_report.final ? "true" : "false", sensor_report.state ? sensor_report.state : "running",
		(unsigned long long)dropped_paths, (unsigned long long)dropped_procs, (unsigned long long)dropped_events,
		(unsigned long long)unreadable, (unsigned long long)sensor_events_seen);
	fputs("\"startedAt\":", f);
	json_time(f, sensor_report.started_ms);
	fputs(",\"updatedAt\":", f);
	json_time(f, sensor_now_ms());
	fputs(",\"stoppedAt\":", f);
	json_time(f, sensor_report.stopped_ms);
	fputs(",\"app\":{\"argv\":[", f);
	for (i = 0; o && i < o->app_argc; i++) {
		if (i)
			fputc(',', f);
		json_string(f, o->app_argv[i]);
	}
	fputs("],\"exitStatus\":", f);
	if (sensor_report.has_exit)
		fprintf(f, "%d", sensor_report.exit_status);
	else
		fputs("null", f);
	fputs(",\"signal\":", f);
	if (sensor_report.has_exit && sensor_report.signal)
		fprintf(f, "%d", sensor_report.signal);
	else
		fputs("null", f);
	fputs("},\"processes\":[", f);
	n = sensor_procs_count();
	for (k = 0; k < n; k++) {
		const struct sensor_proc *p = sensor_procs_at(k);
		if (k)
			fputc(',', f);
		fprintf(f, "{\"pid\":%d,\"ppid\":%d,\"exe\":", p->pid, p->ppid);
		json_string(f, p->exe);
		fputs(",\"argv\":", f);
		json_argv(f, p->argv, p->argv_len);
		fputs(",\"start\":", f);
		json_time(f, p->start_ms);
		fputs(",\"end\":", f);
		json_time(f, p->end_ms);
		if (p->io_uring)
			fputs(",\"ioUring\":true", f);
		if (p->unreadable)
			fputs(",\"unreadable\":true", f);
		fputc('}', f);
	}
	fputs("],\"files\":[", f);
	sorted = malloc(sensor_paths_count() * sizeof *sorted + 1);
	for (k = 0; sorted != NULL && k < sensor_paths_capacity(); k++) {
		const struct sensor_path *e = sensor_paths_at(k);
		int op, any = 0;
		for (op = 0; e != NULL && op < SENSOR_OP_COUNT; op++)
			any |= count_of(e, op) != 0;
		/* fanotify notes exec opens without counting them: such an entry alone says nothing */
		if (any)
			sorted[npaths++] = e;
	}
	if (sorted != NULL)
		qsort(sorted, npaths, sizeof *sorted, cmp_paths);
	for (k = 0; k < npaths; k++) {
		const struct sensor_path *e = sorted[k];
		int op, firstop = 1;

		if (k)
			fputc(',', f);
		fputs("{\"path\":", f);
		json_string(f, e->path);
		fputs(",\"ops\":[", f);
		for (op = 0; op < SENSOR_OP_COUNT; op++) {
			if (count_of(e, op) == 0)
				continue;
			fprintf(f, "%s\"%s\"", firstop ? "" : ",", sensor_op_name((enum sensor_op)op));
			firstop = 0;
		}
		fputs("],\"counts\":{", f);
		firstop = 1;
		for (op = 0; op < SENSOR_OP_COUNT; op++) {
			if (count_of(e, op) == 0)
				continue;
			fprintf(f, "%s\"%s\":%u", firstop ? "" : ",", sensor_op_name((enum sensor_op)op), count_of(e, op));
			firstop = 0;
		}
		fprintf(f, "},\"firstPid\":%d", e->first_pid);
		if (e->checked && !e->exists && e->counts[SENSOR_OP_WRITE] == 0)
			fputs(",\"failed\":true", f);
		fputc('}', f);
	}
	free(sorted);
	fputs("]}\n", f);
}

void (*sensor_report_before_write)(void);

int sensor_report_write(void)
{
	const char *dir = sensor_report.opts->artifacts_dir;
	char tmp[4200], dst[4200];
	FILE *f;
	int fd, ok;

	if (sensor_report_before_write != NULL)
		sensor_report_before_write();

	snprintf(tmp, sizeof tmp, "%s/.%s.tmp.%d", dir, SENSOR_REPORT_NAME, (int)getpid());
	snprintf(dst, sizeof dst, "%s/%s", dir, SENSOR_REPORT_NAME);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		LOG_ERROR("cannot write the report: open %s: %s", tmp, strerror(errno));
		return 1;
	}
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		unlink(tmp);
		return 1;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 16);
	sensor_report_emit(f);
	ok = fflush(f) == 0 && fsync(fd) == 0;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok || rename(tmp, dst) != 0) {
		LOG_ERROR("cannot write the report %s: %s", dst, strerror(errno));
		unlink(tmp);
		return 1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd); /* the rename itself must survive a crash of the node */
		close(fd);
	}
	LOG_DEBUG("report written: %zu files, %zu processes", sensor_paths_count(), sensor_procs_count());
	return 0;
}
