/**
 * A video stored as a folder of numbered JPEG frames, named by a Python-style template as in TSM's
 * dataset_config ('{:05d}.jpg'), frame numbers starting at 1.
 */
import fs from 'fs';

/** A template taken apart: the text around one zero-padded integer field. */
export interface FrameTemplate {
  prefix: string;
  /** Minimum number of digits; longer numbers are written in full, as Python's format does. */
  width: number;
  suffix: string;
}

const TEMPLATE = /^([^{}]*)\{:0([1-9])d\}([^{}]*)$/;

/** Parses '{:05d}.jpg', '{:06d}.jpg', 'img_{:05d}.jpg' and the like; any other template is an Error. */
export function parseFrameTemplate(template: string): FrameTemplate {
  const match = TEMPLATE.exec(template);
  if (!match) {
    throw new Error(
      `parseFrameTemplate: expected a template with one zero-padded integer field such as '{:05d}.jpg', ` +
        `'{:06d}.jpg' or 'img_{:05d}.jpg', got '${template}'`,
    );
  }
  return { prefix: match[1], width: Number(match[2]), suffix: match[3] };
}

/** The file name of frame `index` (1-based), e.g. formatFrameName('img_{:05d}.jpg', 7) = 'img_00007.jpg'. */
export function formatFrameName(template: string, index: number): string {
  if (!Number.isInteger(index) || index < 0) {
    throw new Error(`formatFrameName: frame index must be a non-negative integer, got ${index}`);
  }
  const { prefix, width, suffix } = parseFrameTemplate(template);
  return prefix + String(index).padStart(width, '0') + suffix;
}

/** A test for names that `template` produces for frames 1, 2, ... (and nothing else: not '00000.jpg'). */
export function frameNameMatcher(template: string): (name: string) => boolean {
  const { prefix, width, suffix } = parseFrameTemplate(template);
  return (name) => {
    if (!name.startsWith(prefix) || !name.endsWith(suffix)) return false;
    const digits = name.slice(prefix.length, name.length - suffix.length);
    if (!/^\d+$/.test(digits)) return false;
    const index = Number(digits);
    // Round-tripping rejects names the template cannot produce, such as '000001.jpg' for '{:05d}.jpg'.
    return index >= 1 && String(index).padStart(width, '0') === digits;
  };
}

/**
 * How many files in `folder` are named like frames of `template`, or undefined when the folder does not
 * exist. Gaps in the numbering are not checked here (that would cost a stat per frame for every video);
 * a missing frame is reported when it is decoded.
 */
export function countFrames(folder: string, template: string): number | undefined {
  const isFrame = frameNameMatcher(template);
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new Error(`countFrames: cannot list ${folder} (${(err as Error).message})`);
  }
  let count = 0;
  for (const name of names) if (isFrame(name)) count++;
  return count;
}
