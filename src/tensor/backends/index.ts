/**
 * Loads the fast backends so each registers itself; `auto` then picks the best available one. The
 * `ts` reference backend lives in the registry itself.
 */
import './cpu';
import './gpu';
export {};
