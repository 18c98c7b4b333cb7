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
