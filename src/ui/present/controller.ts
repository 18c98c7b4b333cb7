/**
 * Presentation mode for talks: `p` toggles it, arrow keys move between plots, Esc leaves.
 * It is a body class (`presenting`: big fonts, chrome hidden) plus a marker attribute on the one plot
 * shown full screen. Slides are the page's elements marked `data-plot` (every <Plot>) or `data-table`
 * (every <DataTable>). When a lab shows one view per tab, moving past the last slide switches tabs.
 */

export const PRESENT_CLASS = 'presenting';
export const CURRENT_ATTR = 'data-present-current';
/** What counts as a slide: plots, and result tables (leaderboards, layer commitments). */
export const SLIDE_SELECTOR = '[data-plot], [data-table]';

export interface PresentState {
  active: boolean;
  /** 0-based index of the plot shown, -1 when the page has none. */
  index: number;
  count: number;
  label: string;
  /** When the page shows its plots in tabs: which tab is shown. */
  tab?: { index: number; count: number; label: string };
}

type Listener = (s: PresentState) => void;

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName) || el.getAttribute('role') === 'application';
}

export class PresentationController {
  private state: PresentState = { active: false, index: -1, count: 0, label: '' };
  private listeners = new Set<Listener>();
  private observer: MutationObserver | null = null;
  private pending = 0;

  constructor(private readonly root: ParentNode = document) {}

  get current(): PresentState {
    return this.state;
  }

  subscribe(f: Listener): () => void {
    this.listeners.add(f);
    f(this.state);
    return () => this.listeners.delete(f);
  }

  /** Install the keyboard shortcuts; returns the uninstaller. */
  install(): () => void {
    const onKey = (e: KeyboardEvent) => this.onKey(e);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      this.exit();
    };
  }

  plots(): HTMLElement[] {
    const all = [...this.root.querySelectorAll<HTMLElement>(SLIDE_SELECTOR)].filter((el) => el.isConnected);
    return all.filter((el) => !all.some((outer) => outer !== el && outer.contains(el)));
  }

  toggle(): void {
    if (this.state.active) this.exit();
    else this.enter();
  }

  enter(): void {
    document.body.classList.add(PRESENT_CLASS);
    this.state = { ...this.state, active: true };
    // Start on the plot nearest the top of the viewport.
    const plots = this.plots();
    const visible = plots.findIndex((p) => p.getBoundingClientRect().bottom > 0);
    this.show(Math.max(0, visible));
    this.observer = new MutationObserver(() => this.scheduleRefresh());
    this.observer.observe(document.body, { childList: true, subtree: true });
  }

  exit(): void {
    this.observer?.disconnect();
    this.observer = null;
    document.body.classList.remove(PRESENT_CLASS);
    for (const el of document.querySelectorAll(`[${CURRENT_ATTR}]`)) el.removeAttribute(CURRENT_ATTR);
    const shown = this.plots()[this.state.index];
    this.state = { active: false, index: -1, count: 0, label: '' };
    this.emit();
    shown?.scrollIntoView({ block: 'center' });
  }

  next(): void {
    this.step(1);
  }

  previous(): void {
    this.step(-1);
  }

  private step(delta: 1 | -1): void {
    if (!this.state.active) return;
    const plots = this.plots();
    const target = this.state.index + delta;
    if (target >= 0 && target < plots.length) {
      this.show(target);
      return;
    }
    // Past the ends: go to the neighbouring tab of the tablist holding the plots, if any.
    const tab = this.neighbourTab(delta);
    if (!tab) return;
    tab.click();
    setTimeout(() => {
      if (!this.state.active) return; // left presentation mode meanwhile
      const after = this.plots();
      this.show(delta > 0 ? 0 : after.length - 1);
    }, 60);
  }

  private tabs(): { tabs: HTMLElement[]; at: number } | null {
    const list = this.root.querySelector<HTMLElement>('main [role="tablist"]');
    if (!list) return null;
    const tabs = [...list.querySelectorAll<HTMLElement>('[role="tab"]')].filter((t) => !(t as HTMLButtonElement).disabled);
    const at = tabs.findIndex((t) => t.getAttribute('aria-selected') === 'true');
    return at < 0 ? null : { tabs, at };
  }

  private neighbourTab(delta: 1 | -1): HTMLElement | null {
    const t = this.tabs();
    return t?.tabs[t.at + delta] ?? null;
  }

  private tabPosition(): PresentState['tab'] {
    const t = this.tabs();
    return t ? { index: t.at, count: t.tabs.length, label: t.tabs[t.at].textContent?.trim() ?? '' } : undefined;
  }

  private show(index: number): void {
    const plots = this.plots();
    for (const el of document.querySelectorAll(`[${CURRENT_ATTR}]`)) el.removeAttribute(CURRENT_ATTR);
    const i = plots.length ? Math.min(Math.max(0, index), plots.length - 1) : -1;
    const el = plots[i];
    el?.setAttribute(CURRENT_ATTR, '');
    this.state = { active: true, index: i, count: plots.length, label: el?.getAttribute('data-plot') ?? el?.getAttribute('data-table') ?? '', tab: this.tabPosition() };
    this.emit();
  }

  /** Svelte redraws may replace the plot element: re-mark the plot at the same position. */
  private scheduleRefresh(): void {
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      if (!this.state.active) return;
      const plots = this.plots();
      const marked = plots.findIndex((p) => p.hasAttribute(CURRENT_ATTR));
      if (marked >= 0 && plots.length === this.state.count) return;
      this.show(marked >= 0 ? marked : this.state.index);
    });
  }

  private onKey(e: KeyboardEvent): void {
    if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
    if (!this.state.active) {
      if (e.key === 'p' || e.key === 'P') {
        e.preventDefault();
        this.enter();
      }
      return;
    }
    switch (e.key) {
      case 'p':
      case 'P':
      case 'Escape':
        this.exit();
        break;
      case 'ArrowRight':
      case 'ArrowDown':
      case 'PageDown':
      case ' ':
        this.next();
        break;
      case 'ArrowLeft':
      case 'ArrowUp':
      case 'PageUp':
        this.previous();
        break;
      default:
        return;
    }
    e.preventDefault();
  }

  private emit(): void {
    for (const f of this.listeners) f(this.state);
  }
}

let shared: PresentationController | null = null;

/** The app's one controller. */
export function presentation(): PresentationController {
  shared ??= new PresentationController();
  return shared;
}
