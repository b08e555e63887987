/**
 * Which frames of a video make a clip: TSN segment sampling as TSM's TSNDataSet does it
 * (docs/model.md#segment-sampling). The video is cut into `numSegments` equal segments and one frame is taken from
 * each. Indices are 1-based, as the frame files are.
 *
 * The arithmetic follows TSM's Python step by step (same operations in the same order on doubles), so the
 * indices are the ones TSM would pick, down to the rounding of `tick`.
 */
import type { Generator } from '../../tensor/random';

function checkArguments(fn: string, numFrames: number, numSegments: number): void {
  if (!Number.isInteger(numFrames) || numFrames < 1) {
    throw new Error(`${fn}: numFrames must be a positive integer, got ${numFrames}`);
  }
  if (!Number.isInteger(numSegments) || numSegments < 1) {
    throw new Error(`${fn}: numSegments must be a positive integer, got ${numSegments}`);
  }
}

/**
 * Training: a random frame inside each segment (`_sample_indices`): with avg = ⌊numFrames / numSegments⌋,
 * index_i = i·avg + randint(avg) + 1. When a segment would be shorter than one frame (avg = 0) TSM falls
 * back to sorted random frames of the whole video if there are more frames than segments, else frame 1
 * throughout. Draws one value from `rng` per segment, in segment order, except in the all-ones case.
 */
export function trainSegmentIndices(numFrames: number, numSegments: number, rng: Generator): number[] {
  checkArguments('trainSegmentIndices', numFrames, numSegments);
  const average = Math.floor(numFrames / numSegments);
  const indices: number[] = [];
  if (average > 0) {
    for (let i = 0; i < numSegments; i++) indices.push(i * average + rng.randint(average) + 1);
  } else if (numFrames > numSegments) {
    // Unreachable when average = 0 (that needs numFrames < numSegments), but kept because TSM has it:
    // with new_length > 1 it is reachable there.
    for (let i = 0; i < numSegments; i++) indices.push(rng.randint(numFrames));
    indices.sort((a, b) => a - b);
    for (let i = 0; i < numSegments; i++) indices[i] += 1;
  } else {
    for (let i = 0; i < numSegments; i++) indices.push(1);
  }
  return indices;
}

/**
 * Validation and single-clip testing: the centre frame of each segment (`_get_val_indices`), e.g.
 * [3, 8, 13, 18, 23, 28, 33, 38] for 40 frames and 8 segments; frame 1 throughout when the video has no
 * more frames than segments.
 */
export function centerSegmentIndices(numFrames: number, numSegments: number): number[] {
  checkArguments('centerSegmentIndices', numFrames, numSegments);
  return clipSegmentIndices(numFrames, numSegments, 0, 1);
}

/** @deprecated The British spelling of {@link centerSegmentIndices} (the API spells as PyTorch does), kept so older code works. */
export const centreSegmentIndices = centerSegmentIndices;

/**
 * Multi-clip testing: clip `clip` of `numClips`, whose frame in segment i sits at the fraction
 * (clip + 0.5) / numClips of the segment: index_i = int(tick·(clip + 0.5)/numClips + tick·i) + 1 with
 * tick = numFrames / numSegments. With numClips = 1 this is TSM's centre rule `int(tick/2 + tick·i) + 1`,
 * computed with the same double operations (tick·0.5/1 is exactly tick/2). Frame 1 throughout when the
 * video has no more frames than segments, as TSM's validation rule.
 */
export function clipSegmentIndices(numFrames: number, numSegments: number, clip: number, numClips: number): number[] {
  checkArguments('clipSegmentIndices', numFrames, numSegments);
  if (!Number.isInteger(numClips) || numClips < 1) {
    throw new Error(`clipSegmentIndices: numClips must be a positive integer, got ${numClips}`);
  }
  if (!Number.isInteger(clip) || clip < 0 || clip >= numClips) {
    throw new Error(`clipSegmentIndices: clip must be an integer in [0, ${numClips - 1}], got ${clip}`);
  }
  const indices: number[] = [];
  if (numFrames <= numSegments) {
    for (let i = 0; i < numSegments; i++) indices.push(1);
    return indices;
  }
  const tick = numFrames / numSegments;
  const offset = (tick * (clip + 0.5)) / numClips;
  for (let i = 0; i < numSegments; i++) indices.push(Math.trunc(offset + tick * i) + 1);
  return indices;
}
