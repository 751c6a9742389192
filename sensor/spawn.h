#ifndef SENSOR_SPAWN_H
#define SENSOR_SPAWN_H

#include "options.h"
#include "trace/engine.h"

#include <signal.h>
#include <sys/types.h>

/* Starts the app (options->app_argv) as a child in its own process group, with the signal mask
 * and handlers the sensor had before blocking them (orig_mask), stdout/stderr redirected if asked,
 * under the first engine that works. Never fails because of tracing: the last engine (proc) needs
 * no permission. Returns the child's pid (or -1 if fork fails) and the engine in *engine. */
pid_t sensor_spawn(const struct sensor_options *o, const sigset_t *orig_mask, const struct sensor_engine **engine);

#endif
