#ifndef SENSOR_REPORT_H
#define SENSOR_REPORT_H

#include "options.h"

#include <stdint.h>
#include <stdio.h>

#define SENSOR_MAX_NOTES 16

/* Everything the report says besides the path and process tables. */
struct sensor_report_state {
	const struct sensor_options *opts;
	const char *mode; /* schema enum: seccomp-unotify, ptrace-seccomp, ptrace, proc-sampling, none */
	const char *helpers[4];
	int nhelpers;
	int no_new_privs;
	char *fallback[SENSOR_MAX_NOTES];
	int nfallback;
	char *incomplete[SENSOR_MAX_NOTES];
	int nincomplete;
	int64_t started_ms, stopped_ms;
	int has_exit, exit_status, signal;
	int final;
	const char *state; /* running | stopping | stopped */
};

extern struct sensor_report_state sensor_report;

void sensor_report_add_fallback(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Records why the record is incomplete (deduplicated). */
void sensor_report_add_reason(const char *reason);
/* Writes <artifacts>/creport.json atomically (temp file, fsync, rename, fsync of the directory). */
int sensor_report_write(void);
/* Called first by sensor_report_write: an engine that reads its events in batches reads what is
 * queued, so every report (periodic, asked for, final) has it. */
extern void (*sensor_report_before_write)(void);
/* Writes the report JSON to f. */
void sensor_report_emit(FILE *f);

#endif
