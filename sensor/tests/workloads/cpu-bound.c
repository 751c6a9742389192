/* Benchmark: pure computation with no file syscalls, so any slowdown is the sensor's fixed cost.
 * cpu-bound [N] (default 60,000,000 iterations of a 64-bit LCG + xorshift mix). */
#include <stdint.h>
#include "expect.h"

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 60000000L;
    uint64_t x = 88172645463325252ULL, acc = 0;
    for (long i = 0; i < n; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        acc += x * 6364136223846793005ULL + 1442695040888963407ULL;
    }
    printf("%llu\n", (unsigned long long)acc);
    return 0;
}
