#ifndef SENSOR_TRACE_ENGINE_H
#define SENSOR_TRACE_ENGINE_H

#include <sys/types.h>

/* One tracing engine. The app child and the sensor negotiate at start (see spawn.c): the parent
 * prepares (parent_before), sends the engine's command byte, the child sets itself up
 * (child_setup, replying on the socket when the engine needs a reply) and the parent finishes
 * (parent_after). Any failure moves on to the next engine; the last one always works. */
struct sensor_engine {
	const char *name; /* as on the command line: unotify, ptrace, proc */
	const char *mode; /* as in the report's tracing.mode */
	char cmd;
	int (*parent_before)(pid_t child, char *why, size_t whylen);
	int (*child_setup)(int sock); /* 0: traced from now on */
	int (*parent_after)(pid_t child, int sock, char *why, size_t whylen);
	void (*give_up)(pid_t child); /* undo parent_before after a failure */
	int (*fd)(void); /* fd to poll, or -1 */
	void (*on_ready)(short revents);
	/* ptrace stops from waitpid; returns 1 when the status was a stop it handled */
	int (*on_wait)(pid_t pid, int status);
	void (*on_tick)(void);
};

extern const struct sensor_engine sensor_engine_unotify;
extern const struct sensor_engine sensor_engine_ptrace_seccomp;
extern const struct sensor_engine sensor_engine_ptrace_plain;
extern const struct sensor_engine sensor_engine_proc;
extern const struct sensor_engine sensor_engine_fanotify;

/* The user-notification parts the fanotify engine reuses (for exec, exit and io_uring only). */
extern unsigned sensor_unotify_classes;
int sensor_unotify_listener(void);
int sensor_unotify_parent_before(pid_t child, char *why, size_t whylen);
int sensor_unotify_child_setup(int sock);
int sensor_unotify_parent_after(pid_t child, int sock, char *why, size_t whylen);
void sensor_unotify_on_ready(short revents);
/* The listener's serving thread (started by sensor_unotify_parent_after): whether it runs, and
 * letting it answer the calls still waiting before a final report. */
int sensor_unotify_threaded(void);
void sensor_unotify_start_thread(void);
void sensor_unotify_drain(void);
/* Guards the sensor's state against the serving thread: the main thread holds it except while it
 * sleeps in poll. */
void sensor_state_lock(void);
void sensor_state_unlock(void);

/* Set by spawn.c before the child sets up a seccomp engine: whether to set no_new_privs. */
extern int sensor_want_no_new_privs;
/* Child side: sets no_new_privs once (needed for a seccomp filter without CAP_SYS_ADMIN). */
int sensor_child_no_new_privs(void);
/* Child → parent reply: result (0 or errno), whether no_new_privs is set, and optionally an fd. */
int sensor_reply_send(int sock, int err, int fd);
int sensor_reply_recv(int sock, int *err, int *nnp, int *fd);

/* Samples fds/maps of io_uring users: their file I/O bypasses syscalls. Shared by the engines. */
void sensor_sample_uring_users(void);

#endif
