import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CreachError } from '../errors.js';
import { checkReport, isArtifactName, outputFolder, requireSomething, safeSegment, writeArtifact } from './report-files.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('safeSegment / outputFolder', () => {
  it('turns names we do not control into one harmless path segment', () => {
    expect(safeSegment('web-1')).toBe('web-1');
    expect(safeSegment('arn:aws:eks:eu-west-1:1:cluster/shop')).toBe('arn_aws_eks_eu-west-1_1_cluster_shop');
    expect(safeSegment('..')).toBe('_');
    expect(safeSegment('.')).toBe('_');
    expect(safeSegment('../../etc')).toBe('.._.._etc');
    expect(safeSegment('')).toBe('_');
  });

  it('keeps every folder inside the output folder', () => {
    const root = '/tmp/out';
    expect(outputFolder(root, ['docker', '../../etc'])).toBe('/tmp/out/docker/.._.._etc');
    expect(outputFolder(root, ['..', '..', 'x'])).toBe('/tmp/out/_/_/x');
    expect(outputFolder(root, ['/etc/passwd'])).toBe('/tmp/out/_etc_passwd');
  });
});

describe('checkReport', () => {
  it('reads final and complete from a report', () => {
    expect(checkReport(Buffer.from('{"final":false,"complete":true}'), 'c')).toEqual({ final: false, complete: true });
    expect(checkReport(Buffer.from('{}'), 'c')).toEqual({ final: undefined, complete: undefined });
  });

  it('rejects what is not a JSON object with REPORT_MALFORMED naming the source', () => {
    for (const bad of ['{"final": tr', '[1,2]', 'null', '']) {
      const err = (() => {
        try {
          checkReport(Buffer.from(bad), 'container web');
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(CreachError);
      expect((err as CreachError).code).toBe('REPORT_MALFORMED');
      expect((err as CreachError).message).toContain('container web');
    }
  });
});

describe('isArtifactName', () => {
  it('accepts plain file names and refuses hidden, temp and odd ones', () => {
    expect(isArtifactName('creport.json')).toBe(true);
    expect(isArtifactName('app-stdout.log')).toBe(true);
    expect(isArtifactName('.creport.json.tmp')).toBe(false);
    expect(isArtifactName('creport.json.1234.tmp')).toBe(false);
    expect(isArtifactName('a/b')).toBe(false);
    expect(isArtifactName('..')).toBe(false);
  });
});

describe('writeArtifact', () => {
  it('creates the folder and leaves exactly the file, no temp files', async () => {
    const root = await mkdtemp(join(tmpdir(), 'creach-collect-unit-'));
    dirs.push(root);
    const p = await writeArtifact(join(root, 'docker', 'web'), 'creport.json', Buffer.from('{}'));
    expect(p).toBe(join(root, 'docker', 'web', 'creport.json'));
    expect(await readFile(p, 'utf8')).toBe('{}');
    expect(await readdir(join(root, 'docker', 'web'))).toEqual(['creport.json']);
  });
});

describe('requireSomething', () => {
  it('passes a result with reports through, gaps and all', () => {
    const r = { reports: [{ source: 'a', dir: '/x', reportPath: '/x/creport.json', extraFiles: [] }], gaps: [{ source: 'b', reason: 'gone' }] };
    expect(requireSomething(r, 'here')).toBe(r);
  });

  it('turns gaps into REPORT_NOT_FOUND, or REPORT_MALFORMED when every gap is a bad report', () => {
    expect(() => requireSomething({ reports: [], gaps: [{ source: 'b', reason: 'no report' }] }, 'here')).toThrow(/b: no report/);
    try {
      requireSomething({ reports: [], gaps: [{ source: 'b', reason: 'not JSON', code: 'REPORT_MALFORMED' }] }, 'here');
    } catch (e) {
      expect((e as CreachError).code).toBe('REPORT_MALFORMED');
      return;
    }
    throw new Error('expected a throw');
  });
});
