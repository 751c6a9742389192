import { describe, expect, it } from 'vitest';
import type { ConfigFile } from '../image/image.js';
import { parseCommand, rewriteConfig, SENSOR_PATH } from './config.js';

const base: ConfigFile = {
  architecture: 'amd64',
  os: 'linux',
  config: { Entrypoint: ['/docker-entrypoint.sh'], Cmd: ['nginx', '-g', 'daemon off;'], Env: ['A=1'], Labels: { keep: 'me' } },
  rootfs: { type: 'layers', diff_ids: ['sha256:' + 'a'.repeat(64)] },
  history: [{ created_by: 'x' }],
};
const change = { reference: 'web:1', configDigest: 'sha256:' + 'c'.repeat(64), settings: {}, diffId: 'sha256:' + 'd'.repeat(64), created: '2024-01-01T00:00:00.000Z' };

describe('parseCommand', () => {
  it('takes JSON arrays and shell-like words', () => {
    expect(parseCommand('["a","b c"]', '--cmd')).toEqual(['a', 'b c']);
    expect(parseCommand(`python -c 'print(1)' "x y" z\\ w`, '--cmd')).toEqual(['python', '-c', 'print(1)', 'x y', 'z w']);
    expect(parseCommand('', '--cmd')).toEqual([]);
    expect(() => parseCommand('["a",1]', '--cmd')).toThrow(/array of strings/);
    expect(() => parseCommand('echo "x', '--cmd')).toThrow(/unclosed quote/);
  });
});

describe('rewriteConfig', () => {
  it('puts the sensor before the original entrypoint and keeps Cmd, labels and history', () => {
    const c = rewriteConfig(base, { ...change, settings: { stopSignal: 'sigquit', stopGracePeriod: '5s', stdoutToFile: true } });
    expect(c.config.Entrypoint).toEqual([SENSOR_PATH, 'run', '--image-ref', 'web:1', '--image-digest', change.configDigest, '--stop-signal', 'SIGQUIT', '--stop-grace-period', '5s', '--stdout-to-file', '--', '/docker-entrypoint.sh']);
    expect(c.config.Cmd).toEqual(['nginx', '-g', 'daemon off;']);
    expect(c.config.Labels).toMatchObject({ keep: 'me', 'io.creach.original.reference': 'web:1', 'io.creach.original.config-digest': change.configDigest });
    expect(c.rootfs.diff_ids).toEqual([...base.rootfs.diff_ids, change.diffId]);
    expect(c.history).toHaveLength(2);
    expect(base.config.Entrypoint).toEqual(['/docker-entrypoint.sh']); // input untouched
  });

  it('does not stack sensors when an instrumented image is instrumented again', () => {
    const once = rewriteConfig(base, change);
    const twice = rewriteConfig(once, change);
    expect(twice.config.Entrypoint?.filter((a) => a === SENSOR_PATH)).toHaveLength(1);
    expect(twice.config.Entrypoint?.slice(-2)).toEqual(['--', '/docker-entrypoint.sh']);
  });

  it('applies --entrypoint (clearing Cmd like docker run) and --cmd', () => {
    expect(rewriteConfig(base, { ...change, entrypoint: ['/app'] }).config.Cmd).toBeNull();
    const c = rewriteConfig(base, { ...change, entrypoint: ['/app'], cmd: ['x'] });
    expect(c.config.Entrypoint?.slice(-2)).toEqual(['--', '/app']);
    expect(c.config.Cmd).toEqual(['x']);
    expect(() => rewriteConfig({ ...base, config: {} }, change)).toThrow(/neither Entrypoint nor Cmd/);
    expect(() => rewriteConfig(base, { ...change, settings: { stopGracePeriod: 'soon' } })).toThrow(/not a duration/);
  });
});
