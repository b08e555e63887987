/**
 * Makes the backend named by SSAN_BACKEND the active one before each test file runs, so a vitest
 * project can run the op suites on a fast backend (vitest.config.mts sets SSAN_BACKEND=gpu for one).
 * float64 and int32 kernels still run on the reference: the registry routes dtypes a backend lacks.
 */
import { getBackend, setBackend } from '../src';
import type { BackendName } from '../src';

const requested = process.env.SSAN_BACKEND;
if (requested) {
  // setBackend throws, with the reason, when the backend cannot run here: better than a silent fallback.
  setBackend(requested as BackendName);
  if (getBackend().name !== requested) {
    throw new Error(`test/setup-backend.ts: asked for backend '${requested}' but '${getBackend().name}' is active`);
  }
}
