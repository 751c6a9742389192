#ifndef SENSOR_EXEC_IMAGE_H
#define SENSOR_EXEC_IMAGE_H

/* What the kernel loads for an exec without any syscall the filter could see: the ELF
 * interpreter (PT_INTERP, mapped by the kernel) and a script's "#!" interpreter. Records them for
 * pid. path is the exec'd file as the sensor sees it; root is the process's root (interpreters are
 * named relative to it). Returns 0 when the file exists, -1 if not. */
int sensor_exec_image_inspect(const char *root, int pid, const char *path);
/* Whether the file the last inspect looked at starts with "#!" (its interpreter reads it). */
extern int sensor_exec_image_was_script;

#endif
