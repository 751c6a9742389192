#ifndef SENSOR_LOG_H
#define SENSOR_LOG_H

/* Lines look like "[creach-sensor LEVEL pid] message" on stderr (stdout belongs to the app). */
enum sensor_log_level { SENSOR_LOG_ERROR = 0, SENSOR_LOG_WARN = 1, SENSOR_LOG_INFO = 2, SENSOR_LOG_DEBUG = 3 };

extern int sensor_log_verbosity;

void sensor_log(enum sensor_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define LOG_ERROR(...) sensor_log(SENSOR_LOG_ERROR, __VA_ARGS__)
#define LOG_WARN(...) sensor_log(SENSOR_LOG_WARN, __VA_ARGS__)
#define LOG_INFO(...) do { if (sensor_log_verbosity >= SENSOR_LOG_INFO) sensor_log(SENSOR_LOG_INFO, __VA_ARGS__); } while (0)
#define LOG_DEBUG(...) do { if (sensor_log_verbosity >= SENSOR_LOG_DEBUG) sensor_log(SENSOR_LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
