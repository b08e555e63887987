/**
 * Vitest runs the sources through its own module runner, where the `import()` that render.ts builds at
 * run time (to load Vega, an ES module, from CommonJS) has no loader behind it. This file is compiled by
 * vitest as an ES module, so its `import()` works: hand it over. Outside vitest (ts-node, the compiled
 * package) render.ts uses the runtime's own.
 */
import { setEsmImporter } from '../src/ssan/viz/render';

setEsmImporter((specifier) => import(specifier));
