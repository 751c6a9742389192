#ifndef SENSOR_CONTROL_H
#define SENSOR_CONTROL_H

/* Subcommands used through docker exec / kubectl exec in images without a shell. */
int sensor_cmd_stop(int argc, char **argv);
int sensor_cmd_report(int argc, char **argv);
int sensor_cmd_status(int argc, char **argv);

#endif
