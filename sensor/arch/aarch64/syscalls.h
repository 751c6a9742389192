/* aarch64 uses the generic numbering. (32-bit arm programs on an aarch64 kernel are not traced:
 * the filter lets them through to the handler, which counts them as dropped.) */
#include "../generic64/syscalls.h"
