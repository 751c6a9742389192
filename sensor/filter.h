#ifndef SENSOR_FILTER_H
#define SENSOR_FILTER_H

#include <stdint.h>

/* Installs, in the calling process, a seccomp filter generated from the syscall rows: traced
 * calls return `action` (USER_NOTIF or TRACE), everything else is allowed. Calls of an ABI the
 * sensor has no table for also return `action`, so the handler can count them instead of
 * missing them silently. Only rows with a class in `classes` are traced. Returns the listener fd (flags with NEW_LISTENER), 0, or -1 + errno. */
int sensor_filter_install(uint32_t action, unsigned long flags, unsigned classes);

#endif
