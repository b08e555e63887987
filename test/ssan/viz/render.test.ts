/**
 * The drawing path every picture takes: a Vega-Lite chart through Vega (an ES module loaded from
 * CommonJS) to SVG, then resvg to PNG, decoded back: the bars are where and of the colour the spec says.
 */
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { chartToPng, svgToPng, vegaLiteToSvg } from '../../../src/ssan/viz/render';

function decode(png: Uint8Array): PNG {
  return PNG.sync.read(Buffer.from(png));
}

describe('render', () => {
  it('renders SVG to a PNG of the asked width, with the background filled', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect x="10" y="0" width="10" height="10" fill="#ff0000"/></svg>';
    const image = decode(svgToPng(svg, { width: 40 }));
    expect([image.width, image.height]).toEqual([40, 20]);
    const at = (x: number, y: number) => Array.from(image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 3));
    expect(at(5, 10)).toEqual([255, 255, 255]);
    expect(at(30, 10)).toEqual([255, 0, 0]);
  });

  it('compiles a Vega-Lite chart to SVG and PNG', async () => {
    const spec = {
      width: 100, height: 80,
      data: { values: [{ k: 'a', v: 1 }, { k: 'b', v: 2 }] },
      mark: { type: 'bar', color: '#00ff00' },
      encoding: { x: { field: 'k', type: 'nominal' }, y: { field: 'v', type: 'quantitative' } },
    };
    const svg = await vegaLiteToSvg(spec);
    expect(svg.startsWith('<svg')).toBe(true);
    const image = decode(await chartToPng(spec));
    let green = 0;
    for (let i = 0; i < image.data.length; i += 4) {
      if (image.data[i] === 0 && image.data[i + 1] === 255 && image.data[i + 2] === 0) green++;
    }
    // Two bars of the chart's 100 px width, one twice the other's height: a good share of pure green.
    expect(green).toBeGreaterThan(500);
  });
});
