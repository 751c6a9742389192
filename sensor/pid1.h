#ifndef SENSOR_PID1_H
#define SENSOR_PID1_H

#include "options.h"

/* Runs the app under the sensor, PID 1 style; returns the exit status for the sensor. */
int sensor_pid1_run(const struct sensor_options *o);

#endif
