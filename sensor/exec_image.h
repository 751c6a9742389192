#ifndef SENSOR_EXEC_IMAGE_H
#define SENSOR_EXEC_IMAGE_H

/* What the kernel loads for an exec without any syscall the filter could see: the ELF
 * interpreter (PT_INTERP, mapped by the kernel) and a script's "#!" interpreter. Records them for
 * pid. path is the exec'd path as the process names it; it is looked up under /proc/<tid>/root
 * so chroot'ed processes resolve in their own root. Returns 0 when the file exists, -1 if not. */
int sensor_exec_image_inspect(int tid, int pid, const char *path);

#endif
