/**
 * Pictures as PNG bytes, drawn by libraries made for it: charts are Vega-Lite specifications compiled by
 * Vega to SVG, and any SVG (charts, or figures written as SVG with embedded frames) is rendered to PNG by
 * resvg, with the system's fonts.
 *
 * Vega 6 and Vega-Lite 6 are ES modules with top-level await, which CommonJS cannot `require`; they are
 * loaded with a real dynamic `import()`. TypeScript compiles `import()` to `require()` for CommonJS
 * output, so the call goes through a function built at run time, which it leaves alone.
 */
import { Resvg } from '@resvg/resvg-js';

/** A Vega-Lite specification (a JSON object); see https://vega.github.io/vega-lite/docs/. */
export type VegaLiteSpec = Record<string, unknown>;

/** Loads an ES module by name: the runtime's own `import()`, out of TypeScript's reach. */
export type EsmImporter = (specifier: string) => Promise<any>;

// eslint-disable-next-line @typescript-eslint/no-implied-eval
let importModule = new Function('specifier', 'return import(specifier)') as EsmImporter;

/**
 * Replaces the `import()` used to load Vega. Only hosts that run this file through a module runner of
 * their own need it: vitest executes it in a context where a function built at run time has no dynamic
 * import, and hands its own `import` over in a setup file (test/setup-esm.ts).
 */
export function setEsmImporter(importer: EsmImporter): void {
  importModule = importer;
  modules = undefined;
}

interface VegaModules {
  vega: any;
  vegaLite: any;
}

let modules: Promise<VegaModules> | undefined;

function loadVega(): Promise<VegaModules> {
  modules ??= Promise.all([importModule('vega'), importModule('vega-lite')]).then(([vega, vegaLite]) => ({ vega, vegaLite }));
  return modules;
}

/** Compiles a Vega-Lite spec and renders it to an SVG string (no browser, no canvas). */
export async function vegaLiteToSvg(spec: VegaLiteSpec): Promise<string> {
  const { vega, vegaLite } = await loadVega();
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export interface PngOptions {
  /** Output width in pixels (the SVG is scaled; default: its own width). */
  width?: number;
  /** Background colour behind transparent parts (default white). */
  background?: string;
}

/** Renders SVG text to PNG bytes with resvg, text in the system's sans-serif fonts. */
export function svgToPng(svg: string, options: PngOptions = {}): Uint8Array {
  const resvg = new Resvg(svg, {
    background: options.background ?? 'white',
    fitTo: options.width === undefined ? { mode: 'original' } : { mode: 'width', value: options.width },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

/** A Vega-Lite chart as PNG bytes. */
export async function chartToPng(spec: VegaLiteSpec, options: PngOptions = {}): Promise<Uint8Array> {
  return svgToPng(await vegaLiteToSvg(spec), options);
}
