/**
 * App-wide UI state: the compute backend in use and the hub base URL for downloads.
 * `?hub=<url>` in the page URL (used by tests and mirrors) overrides the stored hub base.
 */
import { DEFAULT_HUB_BASE } from '../core/catalog/models';
import type { BackendInfo, EpPreference } from '../../workers/model-api';
import { getEngine } from './engine';

const HUB_KEY = 'silico.hubBase';
const EP_KEY = 'silico.ep';

function initialHubBase(): string {
  const fromUrl = new URLSearchParams(location.search).get('hub');
  if (fromUrl) return fromUrl;
  return localStorage.getItem(HUB_KEY) ?? DEFAULT_HUB_BASE;
}

function initialEp(): EpPreference {
  const v = localStorage.getItem(EP_KEY);
  return v === 'webgpu' || v === 'wasm' ? v : 'auto';
}

export const settings = $state({
  hubBase: initialHubBase(),
  ep: initialEp(),
  backend: null as BackendInfo | null,
  backendError: '',
});

export function setHubBase(value: string): void {
  settings.hubBase = value.trim() || DEFAULT_HUB_BASE;
  localStorage.setItem(HUB_KEY, settings.hubBase);
}

/** (Re)choose the backend in the worker; models loaded afterwards use it. */
export async function applyEp(ep: EpPreference): Promise<void> {
  settings.ep = ep;
  localStorage.setItem(EP_KEY, ep);
  try {
    settings.backend = await getEngine().configure(ep);
    settings.backendError = '';
  } catch (e) {
    settings.backendError = e instanceof Error ? e.message : String(e);
  }
}
