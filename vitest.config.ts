import { defineConfig } from 'vitest/config'

// Two cores: the bench's smoke run (mostly waiting on its servers; projects of a group start in
// name order, so it starts first) beside the unit and integration files, two files at a time;
// then the browser tests one at a time, alone (groupOrder) so browsers never share the cores.
export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['shared/src/**/*.test.ts', 'server/src/**/*.test.ts', 'client/src/**/*.test.ts', 'tests/unit/**/*.test.ts'],
          environment: 'node',
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          // The server as `npm start` runs it (built by `npm run build`, which `npm test` runs first).
          env: { ROUNDTABLE_SERVER: 'bundle' },
          testTimeout: 90_000,
          hookTimeout: 60_000,
          // Browsers are heavy on two cores: one file at a time.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'bench',
          // The benchmark harness in smoke mode (npm run bench runs the real thing).
          include: ['bench/**/*.test.ts'],
          testTimeout: 240_000,
          sequence: { groupOrder: 0 },
        },
      },
    ],
  },
})
