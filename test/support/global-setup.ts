// vitest globalSetup for the integration project: make sure the real services are up (a Docker
// engine, the registry on 127.0.0.1:5000) and that the test images exist before any test runs,
// so the first test that needs an image does not spend its timeout on debootstrap. A service
// that cannot be started fails the run with the script's message; nothing is skipped.
// `big` (≈500 MB, for bench/) is not pre-built: a test that wants it builds it on first use.
// CREACH_TEST_IMAGES=base,nginx,… chooses the list (empty: none).
import { TEST_IMAGE_NAMES, ensureTestImage, execScript, type TestImageName } from './images.js';

function imagesToBuild(): TestImageName[] {
  const env = process.env.CREACH_TEST_IMAGES;
  if (env === undefined) return ['base', 'nginx', 'python'];
  const names = env.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(TEST_IMAGE_NAMES as readonly string[]).includes(n)) throw new Error(`CREACH_TEST_IMAGES names an unknown test image ${n} (known: ${TEST_IMAGE_NAMES.join(', ')})`);
  }
  return names as TestImageName[];
}

export default async function setup(): Promise<void> {
  await execScript('scripts/env/docker-engine.sh');
  await execScript('scripts/env/registry.sh');
  // One after another: they share the cached base rootfs and a 2-core machine.
  for (const name of imagesToBuild()) {
    const started = Date.now();
    const tag = await ensureTestImage(name);
    const s = (Date.now() - started) / 1000;
    if (s > 2) process.stderr.write(`creach-test-images: ${tag} ready in ${s.toFixed(0)} s\n`);
  }
}
