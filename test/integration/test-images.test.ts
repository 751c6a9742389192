// The test images other tests stand on (test/images/*): what each promises in its recipe
// comment, checked on the real engine, so a recipe change that breaks a promise fails here
// first instead of somewhere confusing.
import { describe, expect, it } from 'vitest';
import { cleanup, docker, ensureTestImage, freePort, httpGetWhenUp, nginxSiteArgs, testImageTag, uniqueName } from '../support/images.js';

const trash = cleanup();

async function runIn(image: string, args: string[]): Promise<string> {
  const r = await docker(['run', '--rm', '--network', 'host', '--entrypoint', args[0]!, image, ...args.slice(1)]);
  if (r.code !== 0) throw new Error(`${args.join(' ')} in ${image} failed: ${r.stderr}`);
  return r.stdout;
}

describe('test images', () => {
  it('are tagged creach-test/<name>:<recipe hash> and build.sh --tag agrees with the built tag', async () => {
    for (const name of ['base', 'nginx', 'python'] as const) {
      const tag = await ensureTestImage(name);
      expect(tag).toMatch(new RegExp(`^creach-test/${name}:[0-9a-f]{12}$`));
      expect(await testImageTag(name)).toBe(tag);
      const labels = JSON.parse((await docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', tag])).stdout);
      expect(labels['io.creach.test-image']).toBe(name);
    }
  });

  it('base is a merged-/usr Debian 12 with a dpkg database and no apt lists left', async () => {
    const base = await ensureTestImage('base');
    const out = await runIn(base, ['bash', '-c', 'readlink /bin /lib /sbin; . /etc/os-release; echo $VERSION_ID; test -s /var/lib/dpkg/status && echo dpkg; ls /var/lib/apt/lists | grep -c _Packages || true']);
    expect(out.split('\n').slice(0, 5)).toEqual(['usr/bin', 'usr/lib', 'usr/sbin', '12', 'dpkg']);
    expect(out.split('\n')[5]).toBe('0');
  });

  it('nginx serves the test page with its default command, on the port nginxSiteArgs asks for', async () => {
    const image = await ensureTestImage('nginx');
    const cmd = JSON.parse((await docker(['image', 'inspect', '--format', '{{json .Config.Cmd}}', image])).stdout);
    expect(cmd).toEqual(['nginx', '-g', 'daemon off;']);
    const port = await freePort();
    const name = trash.container(uniqueName('images-nginx'));
    const r = await docker(['run', '-d', '--name', name, '--network', 'host', ...(await nginxSiteArgs(port)), image]);
    expect(r.code).toBe(0);
    try {
      expect(await httpGetWhenUp(port)).toContain('creach test page');
    } finally {
      await trash.run();
    }
  });

  it('python runs its default arguments and replaces only them when given others', async () => {
    const image = await ensureTestImage('python');
    expect((await docker(['run', '--rm', image])).stdout.trim()).toBe('creach-test python');
    expect((await docker(['run', '--rm', image, '-c', 'print(6*7)'])).stdout.trim()).toBe('42');
  });
});
