/* creach-sensor: records which files an app opens, maps and executes, as PID 1 of its container. */
#include "control.h"
#include "log.h"
#include "options.h"
#include "pid1.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SENSOR_VERSION
#define SENSOR_VERSION "0.0.0-dev"
#endif

static const char usage[] =
	"creach-sensor " SENSOR_VERSION "\n"
	"usage:\n"
	"  creach-sensor run [--image-ref REF] [--image-digest sha256:...] [--stop-signal SIG]\n"
	"                    [--stop-grace-period DUR] [--stdout-to-file] [--stderr-to-file] [--debug]\n"
	"                    [--flush-interval DUR] [--artifacts-dir DIR] [--engine auto|unotify|ptrace|proc|fanotify]\n"
	"                    [--no-new-privs auto|on|off] -- COMMAND [ARGS...]\n"
	"  creach-sensor stop [--timeout DUR] [--artifacts-dir DIR]\n"
	"  creach-sensor report [--artifacts-dir DIR]\n"
	"  creach-sensor status [--artifacts-dir DIR]\n"
	"  creach-sensor --version | --help\n"
	"DUR: 10s, 500ms, 2m or seconds. SIG: QUIT, SIGQUIT or 3.\n"
	"Defaults: no stop signal (SIGTERM/SIGINT stop the app and the sensor), grace 10s, flush 30s,\n"
	"artifacts " SENSOR_DEFAULT_ARTIFACTS_DIR ", engine auto, no-new-privs auto.\n";

int main(int argc, char **argv)
{
	struct sensor_options o;

	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		puts(SENSOR_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "stop") == 0)
		return sensor_cmd_stop(argc - 2, argv + 2);
	if (strcmp(argv[1], "report") == 0)
		return sensor_cmd_report(argc - 2, argv + 2);
	if (strcmp(argv[1], "status") == 0)
		return sensor_cmd_status(argc - 2, argv + 2);
	if (strcmp(argv[1], "run") != 0) {
		LOG_ERROR("unknown command %s (expected run, stop, report or status)", argv[1]);
		return 2;
	}
	if (sensor_parse_run_options(argc - 2, argv + 2, &o) != 0)
		return 2;
	/* like TINI_VERBOSITY: debugging without changing the image's entrypoint (docker run -e) */
	if (o.debug || (getenv("CREACH_SENSOR_DEBUG") != NULL && getenv("CREACH_SENSOR_DEBUG")[0] != '\0'))
		sensor_log_verbosity = SENSOR_LOG_DEBUG;
	return sensor_pid1_run(&o);
}
