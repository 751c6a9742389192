#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

int sensor_log_verbosity = SENSOR_LOG_WARN;

static const char *const level_names[] = { "ERROR", "WARN", "INFO", "DEBUG" };

void sensor_log(enum sensor_log_level level, const char *fmt, ...)
{
	char line[1024];
	int saved = errno;
	int n;
	va_list ap;

	if ((int)level > sensor_log_verbosity)
		return;
	n = snprintf(line, sizeof line, "[creach-sensor %s %d] ", level_names[level], (int)getpid());
	va_start(ap, fmt);
	if (n > 0 && n < (int)sizeof line)
		n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof line - 2)
		n = (int)sizeof line - 2;
	line[n++] = '\n';
	/* one write per line so lines from the sensor and the app do not interleave mid-line */
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* nothing sensible to do when stderr is gone */
	}
	errno = saved;
}
