#ifndef SENSOR_OPTIONS_H
#define SENSOR_OPTIONS_H

enum sensor_engine_choice { SENSOR_ENGINE_AUTO, SENSOR_ENGINE_UNOTIFY, SENSOR_ENGINE_PTRACE, SENSOR_ENGINE_PROC, SENSOR_ENGINE_FANOTIFY };
enum sensor_tristate { SENSOR_AUTO, SENSOR_ON, SENSOR_OFF };

struct sensor_options {
	const char *image_ref;
	const char *image_digest;
	int stop_signal; /* 0: none configured */
	long stop_grace_ms;
	long flush_interval_ms;
	int stdout_to_file;
	int stderr_to_file;
	int debug;
	const char *artifacts_dir;
	enum sensor_engine_choice engine;
	enum sensor_tristate no_new_privs;
	char **app_argv; /* NULL-terminated, after "--" */
	int app_argc;
};

#define SENSOR_DEFAULT_ARTIFACTS_DIR "/opt/_instrumented/artifacts"
#define SENSOR_OWN_DIR "/opt/_instrumented"
#define SENSOR_REPORT_NAME "creport.json"

/* Parses "run" options (argv after "run"). Returns 0, or prints one error line and returns 1. */
int sensor_parse_run_options(int argc, char **argv, struct sensor_options *opts);

/* "10s", "500ms", "2m", "1h" or plain seconds → milliseconds; -1 when malformed. */
long sensor_parse_duration(const char *s);

/* "QUIT", "SIGQUIT" or "3" → signal number; 0 when malformed. */
int sensor_parse_signal(const char *s);
const char *sensor_signal_name(int sig);

#endif
