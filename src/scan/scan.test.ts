import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { parsePlatform, scan } from './scan.js';

describe('scan options', () => {
  it('parses --platform os/arch[/variant] and rejects anything else as a usage error', () => {
    expect(parsePlatform('linux/amd64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    for (const bad of ['linux', 'linux/', 'a/b/c/d', 'linux/amd 64']) expect(() => parsePlatform(bad)).toThrow(UsageError);
  });

  it('needs exactly one image source', async () => {
    await expect(scan({ osReachability: false, profilingDataDirs: [] })).rejects.toBeInstanceOf(UsageError);
    await expect(scan({ image: 'a', imageTar: '/b.tar', osReachability: false, profilingDataDirs: [] })).rejects.toBeInstanceOf(UsageError);
  });

  it('a missing image tar is IMAGE_NOT_FOUND naming the file', async () => {
    await expect(scan({ imageTar: '/nonexistent/creach-test.tar', osReachability: false, profilingDataDirs: [] })).rejects.toMatchObject({
      code: 'IMAGE_NOT_FOUND',
      message: 'image tar /nonexistent/creach-test.tar does not exist',
    });
  });
});
