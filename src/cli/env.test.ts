import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { appendValue, envName, envOption, listValue, switchValue } from './env.js';

const PATH = ['container', 'demo'];

function demo(): Command {
  return new Command('demo')
    .exitOverride()
    .addOption(envOption(PATH, '--strict', 'a switch'))
    .addOption(envOption(PATH, '--dir <dir>', 'repeatable').argParser(appendValue))
    .action(() => {});
}

describe('CLI environment variables', () => {
  afterEach(() => {
    delete process.env.CREACH_CONTAINER_DEMO_STRICT;
    delete process.env.CREACH_CONTAINER_DEMO_DIR;
  });

  it('derives the variable name from the command path and the flag', () => {
    expect(envName(['container', 'instrument'], '--app-stop-signal')).toBe('CREACH_CONTAINER_INSTRUMENT_APP_STOP_SIGNAL');
  });

  it('reads a switch from its variable by value, not by presence', async () => {
    for (const [value, expected] of [['1', true], ['true', true], ['on', true], ['0', false], ['false', false], ['no', false]] as const) {
      process.env.CREACH_CONTAINER_DEMO_STRICT = value;
      const cmd = demo();
      await cmd.parseAsync([], { from: 'user' });
      expect(switchValue(cmd, 'strict'), value).toBe(expected);
    }
    delete process.env.CREACH_CONTAINER_DEMO_STRICT;
    const cmd = demo();
    await cmd.parseAsync(['--strict'], { from: 'user' });
    expect(switchValue(cmd, 'strict')).toBe(true);
  });

  it('splits a repeatable flag variable on commas, but never a value given on the command line', async () => {
    process.env.CREACH_CONTAINER_DEMO_DIR = 'runs/a, runs/b,';
    const fromEnv = demo();
    await fromEnv.parseAsync([], { from: 'user' });
    expect(listValue(fromEnv, 'dir')).toEqual(['runs/a', 'runs/b']);

    const fromCli = demo();
    await fromCli.parseAsync(['--dir', 'x,y', '--dir', 'z'], { from: 'user' });
    expect(listValue(fromCli, 'dir')).toEqual(['x,y', 'z']);
  });
});
