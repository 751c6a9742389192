#ifndef SENSOR_CLOCK_H
#define SENSOR_CLOCK_H

#include <stddef.h>
#include <stdint.h>

int64_t sensor_now_ms(void);      /* wall clock, for the report */
int64_t sensor_monotonic_ms(void); /* for deadlines */
/* RFC 3339 UTC with milliseconds: 2026-12-03T13:05:43.123Z */
void sensor_format_time(int64_t ms, char *out, size_t outlen);

#endif
