import { dataMirror } from '../../src/data/locations.js';

/**
 * The real datasets for tests: QEXP_DATA_MIRROR or ../shared/datasets beside the checkout.
 * Tests that need them are skipped (visibly) where neither exists.
 */
export const MIRROR = (() => {
  const m = dataMirror();
  return m && !m.startsWith('http') ? m : undefined;
})();
