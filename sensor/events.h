#ifndef SENSOR_EVENTS_H
#define SENSOR_EVENTS_H

#include <stdint.h>

/* One traced syscall, as an engine saw it at syscall entry (before the kernel runs it). */
struct sensor_event {
	int tid;
	uint32_t arch;
	long nr;
	uint64_t args[6];
};

extern uint64_t sensor_events_dropped;
/* Set by an engine that does not trace open calls (fanotify reports them): the exec handler then
 * records the reads an exec implies (a script read by its interpreter, the fd of fexecve). */
extern int sensor_events_opens_untraced;
extern uint64_t sensor_events_seen;

/* Still-valid check after the tracee's memory was read (user notification: the tid may have died
 * and been reused meanwhile). NULL when the tracee is stopped (ptrace). done_with_caller: nothing
 * after this reads the caller's state, so the engine may let the call go on now. */
typedef int (*sensor_valid_fn)(void *cookie, int done_with_caller);

void sensor_event_handle(const struct sensor_event *ev, sensor_valid_fn valid, void *cookie);
/* A thread's tgid, cached. */
int sensor_event_tgid(int tid);
/* Forget cached tid → tgid mappings (after exits, pids get reused). */
void sensor_event_forget_tids(void);

#endif
