/**
 * Small SVG pieces the figures are written with: text, rectangles, images and arrows. Numbers are
 * written with two decimals at most, which is finer than a pixel and keeps the SVG short.
 */
import type { PixelPoint } from './feature-grid';

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function num(value: number): string {
  return String(Math.round(value * 100) / 100);
}

export interface TextStyle {
  size?: number;
  weight?: 'normal' | 'bold';
  fill?: string;
  anchor?: 'start' | 'middle' | 'end';
}

export function svgText(x: number, y: number, content: string, style: TextStyle = {}): string {
  const { size = 12, weight = 'normal', fill = '#222222', anchor = 'start' } = style;
  return `<text x="${num(x)}" y="${num(y)}" font-family="DejaVu Sans, sans-serif" font-size="${size}" ` +
    `font-weight="${weight}" fill="${fill}" text-anchor="${anchor}">${escapeXml(content)}</text>`;
}

/**
 * Roughly how wide a line of text is drawn, so a figure can be made wide enough for it: DejaVu Sans
 * averages about 0.6 em per character (a little more in bold); generous rather than exact.
 */
export function textWidth(content: string, size: number, weight: 'normal' | 'bold' = 'normal'): number {
  return content.length * size * (weight === 'bold' ? 0.64 : 0.58);
}

export function svgRect(x: number, y: number, width: number, height: number, attributes: string): string {
  return `<rect x="${num(x)}" y="${num(y)}" width="${num(width)}" height="${num(height)}" ${attributes}/>`;
}

/**
 * An embedded raster image stretched over the box. Enlarged by 2x or more it is drawn with nearest
 * pixels (resvg's optimizeSpeed): small network inputs stay sharp instead of blurring, and their colours
 * stay the frame's own.
 */
export function svgImage(x: number, y: number, width: number, height: number, href: string, pixelated: boolean): string {
  const rendering = pixelated ? ' image-rendering="optimizeSpeed"' : '';
  return `<image x="${num(x)}" y="${num(y)}" width="${num(width)}" height="${num(height)}" ` +
    `preserveAspectRatio="none"${rendering} href="${href}"/>`;
}

/** Length and width of an arrow head, and how far its tip reaches past the point it marks. */
export const HEAD = { length: 12, width: 10, overshoot: 4 };

/**
 * An arrow-head marker in one opaque colour. Its tip reaches HEAD.overshoot past the end of the line,
 * so the point the arrow marks lies inside the head, under solid colour, rather than at a tip that
 * anti-aliasing thins out; the head's base stays well short of the neighbouring cells.
 */
export function arrowHeadMarker(id: string, colour: string): string {
  const { length, width, overshoot } = HEAD;
  return `<marker id="${id}" viewBox="0 0 ${length} ${width}" refX="${length - overshoot}" refY="${width / 2}" ` +
    `markerWidth="${length}" markerHeight="${width}" markerUnits="userSpaceOnUse" orient="auto">` +
    `<path d="M0,0 L${length},${width / 2} L0,${width} z" fill="${colour}"/></marker>`;
}

/**
 * A path ending in the marker `markerId`. The shaft is a little transparent: arrows that cross stay
 * readable, and only the heads carry the pure colour (which is how tests find where the arrows land).
 */
export function svgArrow(d: string, colour: string, markerId: string): string {
  return `<path d="${d}" fill="none" stroke="${colour}" stroke-opacity="0.65" stroke-width="2" marker-end="url(#${markerId})"/>`;
}

/** A straight shaft from `from` to `to`, starting `skip` along the way (clear of the query's dot). */
export function straightPath(from: PixelPoint, to: PixelPoint, skip: number): string {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const length = Math.hypot(dx, dy);
  const start = length > skip * 2 ? { x: from.x + (dx * skip) / length, y: from.y + (dy * skip) / length } : from;
  return `M${num(start.x)},${num(start.y)} L${num(to.x)},${num(to.y)}`;
}

/** A loop leaving `at` upwards and coming back to it: the query attending to its own position. */
export function loopPath(at: PixelPoint, size: number): string {
  const { x, y } = at;
  return `M${num(x - 3)},${num(y - 4)} C${num(x - size)},${num(y - 1.8 * size)} ` +
    `${num(x + size)},${num(y - 1.8 * size)} ${num(x)},${num(y)}`;
}

/**
 * An arc from `from` to `to` through a highest point `apexY` (above both): arrows between frames go
 * over the frames in between instead of across them. A quadratic curve reaches halfway to its control
 * point, so the control point sits twice as far above the chord's middle as the apex.
 */
export function arcPath(from: PixelPoint, to: PixelPoint, apexY: number, skip: number): string {
  const controlX = (from.x + to.x) / 2;
  const controlY = 2 * apexY - (from.y + to.y) / 2;
  // The curve leaves towards its control point; it starts `skip` along that way, clear of the query's dot.
  const length = Math.hypot(controlX - from.x, controlY - from.y);
  const start = length > skip * 2
    ? { x: from.x + ((controlX - from.x) * skip) / length, y: from.y + ((controlY - from.y) * skip) / length }
    : from;
  return `M${num(start.x)},${num(start.y)} Q${num(controlX)},${num(controlY)} ${num(to.x)},${num(to.y)}`;
}
