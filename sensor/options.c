#include "options.h"
#include "log.h"

#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct signal_name {
	const char *name;
	int sig;
};

static const struct signal_name signal_names[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL }, { "TRAP", SIGTRAP },
	{ "ABRT", SIGABRT }, { "IOT", SIGABRT }, { "BUS", SIGBUS }, { "FPE", SIGFPE }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },
	{ "TERM", SIGTERM }, { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU },
	{ "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
	{ "POLL", SIGIO }, { "PWR", SIGPWR }, { "SYS", SIGSYS },
};

int sensor_parse_signal(const char *s)
{
	char *end;
	long n;
	size_t i;

	if (s == NULL || *s == '\0')
		return 0;
	if (isdigit((unsigned char)s[0])) {
		n = strtol(s, &end, 10);
		return (*end == '\0' && n > 0 && n < 65) ? (int)n : 0;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	if (strncasecmp(s, "RTMIN+", 6) == 0) {
		n = strtol(s + 6, &end, 10);
		return (*end == '\0' && n >= 0 && SIGRTMIN + n <= SIGRTMAX) ? (int)(SIGRTMIN + n) : 0;
	}
	for (i = 0; i < sizeof signal_names / sizeof signal_names[0]; i++)
		if (strcasecmp(s, signal_names[i].name) == 0)
			return signal_names[i].sig;
	return 0;
}

const char *sensor_signal_name(int sig)
{
	size_t i;

	for (i = 0; i < sizeof signal_names / sizeof signal_names[0]; i++)
		if (signal_names[i].sig == sig)
			return signal_names[i].name;
	return "?";
}

long sensor_parse_duration(const char *s)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0' || !(isdigit((unsigned char)s[0]) || s[0] == '.'))
		return -1;
	v = strtod(s, &end);
	if (v < 0)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		v *= 1000.0;
	else if (strcmp(end, "ms") == 0)
		;
	else if (strcmp(end, "m") == 0)
		v *= 60000.0;
	else if (strcmp(end, "h") == 0)
		v *= 3600000.0;
	else
		return -1;
	if (v > 1e12)
		return -1;
	return (long)v;
}

static int need_value(int i, int argc, const char *flag)
{
	if (i + 1 >= argc) {
		LOG_ERROR("option %s needs a value", flag);
		return 0;
	}
	return 1;
}

int sensor_parse_run_options(int argc, char **argv, struct sensor_options *o)
{
	int i;

	memset(o, 0, sizeof *o);
	o->stop_grace_ms = 10000;
	o->flush_interval_ms = 30000;
	o->artifacts_dir = SENSOR_DEFAULT_ARTIFACTS_DIR;
	o->image_ref = "";
	o->image_digest = "";

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *v;
		char flagbuf[64];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strncmp(a, "--", 2) != 0) /* the command starts without "--": accept it as docker would */
			break;
		/* accept --flag=value as well as --flag value */
		v = strchr(a, '=');
		if (v != NULL) {
			size_t len = (size_t)(v - a);
			if (len >= sizeof flagbuf)
				len = sizeof flagbuf - 1;
			memcpy(flagbuf, a, len);
			flagbuf[len] = '\0';
			a = flagbuf;
			v++;
		}
		/* the names the issue and `creach instrument` flags use, accepted as aliases */
		if (strcmp(a, "--app-stop-signal") == 0)
			a = "--stop-signal";
		else if (strcmp(a, "--app-stop-grace-period") == 0)
			a = "--stop-grace-period";
		else if (strcmp(a, "--app-stdout-to-file") == 0)
			a = "--stdout-to-file";
		else if (strcmp(a, "--app-stderr-to-file") == 0)
			a = "--stderr-to-file";
		else if (strcmp(a, "--debug-mode") == 0)
			a = "--debug";
#define VALUE()                                           \
	do {                                              \
		if (v == NULL) {                          \
			if (!need_value(i, argc, a))      \
				return 1;                 \
			v = argv[++i];                    \
		}                                         \
	} while (0)
		if (strcmp(a, "--image-ref") == 0) {
			VALUE();
			o->image_ref = v;
		} else if (strcmp(a, "--image-digest") == 0) {
			VALUE();
			o->image_digest = v;
		} else if (strcmp(a, "--stop-signal") == 0) {
			VALUE();
			o->stop_signal = sensor_parse_signal(v);
			if (o->stop_signal == 0 || o->stop_signal == SIGKILL || o->stop_signal == SIGSTOP) {
				LOG_ERROR("--stop-signal %s: not a signal name or number that can be caught", v);
				return 1;
			}
		} else if (strcmp(a, "--stop-grace-period") == 0) {
			VALUE();
			o->stop_grace_ms = sensor_parse_duration(v);
			if (o->stop_grace_ms < 0) {
				LOG_ERROR("--stop-grace-period %s: not a duration (10s, 500ms, 2m or seconds)", v);
				return 1;
			}
		} else if (strcmp(a, "--flush-interval") == 0) {
			VALUE();
			o->flush_interval_ms = sensor_parse_duration(v);
			if (o->flush_interval_ms <= 0) {
				LOG_ERROR("--flush-interval %s: not a positive duration (30s, 500ms, 2m or seconds)", v);
				return 1;
			}
		} else if (strcmp(a, "--artifacts-dir") == 0) {
			VALUE();
			o->artifacts_dir = v;
		} else if (strcmp(a, "--engine") == 0) {
			VALUE();
			if (strcmp(v, "auto") == 0)
				o->engine = SENSOR_ENGINE_AUTO;
			else if (strcmp(v, "unotify") == 0)
				o->engine = SENSOR_ENGINE_UNOTIFY;
			else if (strcmp(v, "ptrace") == 0)
				o->engine = SENSOR_ENGINE_PTRACE;
			else if (strcmp(v, "proc") == 0)
				o->engine = SENSOR_ENGINE_PROC;
			else if (strcmp(v, "fanotify") == 0)
				o->engine = SENSOR_ENGINE_FANOTIFY;
			else {
				LOG_ERROR("--engine %s: expected auto, unotify, ptrace, proc or fanotify", v);
				return 1;
			}
		} else if (strcmp(a, "--no-new-privs") == 0) {
			VALUE();
			if (strcmp(v, "auto") == 0)
				o->no_new_privs = SENSOR_AUTO;
			else if (strcmp(v, "on") == 0)
				o->no_new_privs = SENSOR_ON;
			else if (strcmp(v, "off") == 0)
				o->no_new_privs = SENSOR_OFF;
			else {
				LOG_ERROR("--no-new-privs %s: expected auto, on or off", v);
				return 1;
			}
		} else if (strcmp(a, "--stdout-to-file") == 0 && v == NULL) {
			o->stdout_to_file = 1;
		} else if (strcmp(a, "--stderr-to-file") == 0 && v == NULL) {
			o->stderr_to_file = 1;
		} else if (strcmp(a, "--debug") == 0 && v == NULL) {
			o->debug = 1;
		} else {
			LOG_ERROR("unknown option %s (see creach-sensor --help)", argv[i]);
			return 1;
		}
#undef VALUE
	}
	o->app_argv = argv + i;
	o->app_argc = argc - i;
	if (o->app_argc <= 0) {
		LOG_ERROR("no command to run: give it after \"--\"");
		return 1;
	}
	return 0;
}
