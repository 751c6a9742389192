import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests beside the code, and integration tests that drive a real
// Docker engine, a real registry and the real sensor. Integration files run one at a time
// (they share the engine and the 2-core machine) with generous timeouts; nothing is skipped.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'sensor/tests/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Starts the engine and registry and pre-builds test/images/* (cached by recipe hash).
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 900_000,
          fileParallelism: false,
          pool: 'forks',
        },
      },
    ],
  },
});
