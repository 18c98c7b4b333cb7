/**
 * View settings in the URL hash query, so a link reopens the same view:
 *   #/predictivity?model=builtin%3Ahmax&metric=ridge&layer=C2&exp=exp-…
 * readUrlState() parses it; writeUrlState() merges changes in with history.replaceState (no new
 * history entry, no hashchange event, so the page does not re-route).
 */

/** Keys the labs share; any other string key works too. */
export interface UrlState {
  /** Saved experiment to reopen. */
  exp?: string;
  model?: string;
  benchmark?: string;
  metric?: string;
  layer?: string;
  region?: string;
  view?: string;
  [key: string]: string | undefined;
}

export interface HashParts {
  route: string;
  state: UrlState;
}

/** Split a hash like "#/route?a=1" into its route and query. */
export function parseHash(hash: string): HashParts {
  const body = hash.replace(/^#/, '');
  const q = body.indexOf('?');
  const route = (q < 0 ? body : body.slice(0, q)) || '/';
  const state: UrlState = {};
  if (q >= 0) for (const [k, v] of new URLSearchParams(body.slice(q + 1))) state[k] = v;
  return { route, state };
}

/** Build "#/route?…"; keys with undefined or empty values are left out. */
export function formatHash(route: string, state: UrlState): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(state)) if (v !== undefined && v !== '') params.set(k, v);
  const qs = params.toString();
  return `#${route}${qs ? `?${qs}` : ''}`;
}

export function readUrlState(): UrlState {
  return parseHash(location.hash).state;
}

export function currentRoute(): string {
  return parseHash(location.hash).route;
}

/** Merge `changes` into the URL's state (undefined removes a key), keeping the route. */
export function writeUrlState(changes: UrlState): void {
  const { route, state } = parseHash(location.hash);
  const next = formatHash(route, { ...state, ...changes });
  if (next !== location.hash) history.replaceState(history.state, '', `${location.pathname}${location.search}${next}`);
}

/** A link to a route with state, e.g. for re-opening an experiment: urlFor('/predictivity', { exp: id }). */
export function urlFor(route: string, state: UrlState = {}): string {
  return formatHash(route, state);
}

/**
 * Keeps a lab's settings in the URL once the user changes one. The settings a page opens with are
 * not written, so a bare route or an `exp` link stays exactly as it was until something changes.
 */
export class UrlSync {
  private baseline: string | null = null;
  private changed = false;

  constructor(private readonly write: (changes: UrlState) => void = writeUrlState) {}

  /** The settings as they are now; the first call (after construction or reset()) only notes them. */
  update(state: UrlState): void {
    const key = formatHash('', state);
    if (this.baseline === null) this.baseline = key;
    else if (this.changed || key !== this.baseline) {
      this.changed = true;
      this.write(state);
    }
  }

  /** Start again from the current settings, e.g. on leaving a saved experiment (its link is cleared). */
  reset(): void {
    this.baseline = null;
    this.changed = false;
  }
}

// ---------- validating values read from a link ----------
// A link can be edited by hand or come from another browser: each lab keeps only the values that make
// sense and ignores the rest quietly (the lab says so where it matters, e.g. a missing benchmark).

/** `value` when it is one of `allowed`, else undefined. */
export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined {
  return value !== undefined && (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
}

/** A finite number in [min, max] (a whole number when `integer`), else undefined. */
export function numberIn(value: string | undefined, min: number, max: number, integer = false): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const x = Number(value);
  if (!Number.isFinite(x) || x < min || x > max || (integer && !Number.isInteger(x))) return undefined;
  return x;
}

/** A number as a URL value: short, and exact for the values a form produces (an emptied number field gives null). */
export function numberParam(x: number | null | undefined): string | undefined {
  return typeof x === 'number' && Number.isFinite(x) ? String(x) : undefined;
}

/** A list of numbers ≥ 0 ("0, 10, 25"), normalised, or undefined when any entry is not one. */
export function nonNegativeList(value: string | undefined): string | undefined {
  const parts = value?.split(/[,\s]+/).filter(Boolean) ?? [];
  if (!parts.length || parts.some((p) => !(Number(p) >= 0) || !Number.isFinite(Number(p)))) return undefined;
  return parts.map(Number).join(', ');
}

/** Whether the URL has any of `keys` (a link with view settings, as opposed to a bare route). */
export function hasAnyKey(state: UrlState, keys: readonly string[]): boolean {
  return keys.some((k) => state[k] !== undefined && state[k] !== '');
}

// ---------- Microstimulation and Language lab links ----------
// Only choices that make sense before a model is loaded are applied at once; `layer` (and the
// Microstimulation `site`) wait until the model (and sheet) they belong to exist.

/** `#/microstim?model=…&current=…` */
export interface MicrostimLink {
  /** Model choice: "builtin:hmax" or "cached:<id>". */
  model?: string;
  layer?: string;
  /** Category images: fLoc photographs from the catalog, the built-in (synthetic) demo set, or the user's files (which they pick again). */
  images?: 'floc' | 'demo' | 'files';
  perCategory?: number;
  site?: number;
  current?: number;
  frequency?: number;
  duration?: number;
  selective?: number;
  controls?: number;
  /** Dose–response currents, "0, 10, 25". */
  currents?: string;
}

/** Ranges as the lab's number fields allow them. */
export function microstimFromUrl(state: UrlState): MicrostimLink {
  return {
    model: state.model || undefined,
    layer: state.layer || undefined,
    images: oneOf(state.images, ['floc', 'demo', 'files'] as const),
    perCategory: numberIn(state.perCategory, 2, 64, true),
    site: numberIn(state.site, 0, Number.MAX_SAFE_INTEGER, true),
    current: numberIn(state.current, 0, 500),
    frequency: numberIn(state.frequency, 0, 500),
    duration: numberIn(state.duration, 0, 500),
    selective: numberIn(state.selective, 0, 64, true),
    controls: numberIn(state.controls, 0, 64, true),
    currents: nonNegativeList(state.currents),
  };
}

export function microstimToUrl(l: MicrostimLink): UrlState {
  return {
    model: l.model,
    layer: l.layer,
    images: l.images,
    perCategory: numberParam(l.perCategory),
    site: numberParam(l.site),
    current: numberParam(l.current),
    frequency: numberParam(l.frequency),
    duration: numberParam(l.duration),
    selective: numberParam(l.selective),
    controls: numberParam(l.controls),
    currents: nonNegativeList(l.currents),
  };
}

/** `#/language?model=…&roi=…&goal=…` */
export interface LanguageLink {
  /** Model choice: "builtin:tiny" or "cached:<id>". */
  model?: string;
  /** Number of synthetic ground-truth sentences. */
  sentences?: number;
  /** Region (ROI) of the response table. */
  roi?: string;
  layer?: string;
  minWords?: number;
  maxWords?: number;
  novelOnly?: boolean;
  goal?: 'drive' | 'suppress';
  steps?: number;
  maxSurprisal?: number;
}

export function languageFromUrl(state: UrlState): LanguageLink {
  return {
    model: state.model || undefined,
    sentences: numberIn(state.sentences, 40, 2000, true),
    roi: state.roi || undefined,
    layer: state.layer || undefined,
    minWords: numberIn(state.minWords, 1, 100, true),
    maxWords: numberIn(state.maxWords, 1, 200, true),
    novelOnly: oneOf(state.novelOnly, ['yes', 'no'] as const) === undefined ? undefined : state.novelOnly === 'yes',
    goal: oneOf(state.goal, ['drive', 'suppress'] as const),
    steps: numberIn(state.steps, 1, 500, true),
    maxSurprisal: numberIn(state.maxSurprisal, 1, 40),
  };
}

export function languageToUrl(l: LanguageLink): UrlState {
  return {
    model: l.model,
    sentences: numberParam(l.sentences),
    roi: l.roi,
    layer: l.layer,
    minWords: numberParam(l.minWords),
    maxWords: numberParam(l.maxWords),
    novelOnly: l.novelOnly === undefined ? undefined : l.novelOnly ? 'yes' : 'no',
    goal: l.goal,
    steps: numberParam(l.steps),
    maxSurprisal: numberParam(l.maxSurprisal),
  };
}

/**
 * What a lab shows when a link names a model or dataset this browser does not have (the labs never
 * silently use another in its place): "This link's model “cache:x” is not in this browser; add it on the
 * Models page first." `remedy` is what to do, e.g. "import it" or "add it on the Models page".
 */
export function missingFromLink(what: string, id: string, remedy: string): string {
  return `This link's ${what} “${id}” is not in this browser; ${remedy} first.`;
}

/**
 * A Microstimulation or Language link's `model=` against the models the lab offers: the link's model when it is
 * there; otherwise the lab keeps `fallback` and `note` says which model is missing, how to get it, and what the
 * lab opened with instead (never a silent substitute).
 */
export function linkModelChoice(
  wanted: string | undefined,
  options: readonly { value: string; label: string }[],
  fallback: string,
): { choice: string; note: string | null } {
  if (!wanted) return { choice: fallback, note: null };
  if (options.some((o) => o.value === wanted)) return { choice: wanted, note: null };
  const instead = options.find((o) => o.value === fallback)?.label ?? fallback;
  return { choice: fallback, note: `${missingFromLink('model', wanted, 'add it on the Models page')} The lab opened with ${instead} instead.` };
}
