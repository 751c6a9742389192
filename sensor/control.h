#ifndef SENSOR_CONTROL_H
#define SENSOR_CONTROL_H

/* Subcommands used through docker exec / kubectl exec in images without a shell. */
int sensor_cmd_stop(int argc, char **argv);
int sensor_cmd_report(int argc, char **argv);
int sensor_cmd_status(int argc, char **argv);


/* Sensor side: a unix socket <artifacts>/.creach-sensor.sock on which `report` and `status` ask
 * for a fresh flush before reading the report. Returns the listening fd or -1. */
int sensor_control_listen(const char *artifacts_dir);
/* Accepts one request on the listening fd: writes the report, then answers. */
void sensor_control_serve(int lfd);
void sensor_control_close(int lfd, const char *artifacts_dir);

#endif
