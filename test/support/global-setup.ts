// vitest globalSetup for the integration project: make sure the real services are up (a Docker
// engine, the registry on 127.0.0.1:5000) and that the test images exist before any test runs,
// so the first test that needs an image does not spend its timeout on debootstrap. A service
// that cannot be started fails the run with the script's message; nothing is skipped.
import { TEST_IMAGE_NAMES, ensureTestImage, execScript } from './images.js';

export default async function setup(): Promise<void> {
  await execScript('scripts/env/docker-engine.sh');
  await execScript('scripts/env/registry.sh');
  // One after another: they share the cached base rootfs and a 2-core machine.
  for (const name of TEST_IMAGE_NAMES) await ensureTestImage(name);
}
