/** Number formatting shared by the Microstimulation lab's panels. */
export const fmt = (v: number, digits = 2): string => (Number.isFinite(v) ? v.toFixed(digits) : '–');

/** " [low, high]" for a 95 % CI, or nothing. */
export const ciText = (ci?: { low: number; high: number } | null): string => (ci ? ` [${fmt(ci.low, 1)}, ${fmt(ci.high, 1)}]` : '');
