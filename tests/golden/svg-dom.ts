/**
 * The smallest DOM the d3 plot renderers need, so they can draw in Node for the golden-SVG tests (no
 * jsdom / linkedom in this project): elements with attributes, inline style and text, tree edits,
 * querySelector(All) for the selectors d3 and the renderers use (tag, .class, #id, [attr], [attr=v],
 * descendant and child combinators, lists), compareDocumentPosition (d3's `order()`), and a
 * deterministic pretty serialiser. Layout is not computed: `getComputedTextLength` and `getBBox` are
 * absent, so renderers take their fallbacks, which is what the snapshots pin.
 */

export const SVG_NS = 'http://www.w3.org/2000/svg';
const XHTML_NS = 'http://www.w3.org/1999/xhtml';

export class MiniText {
  readonly nodeType = 3;
  parentNode: MiniElement | null = null;
  constructor(public data: string) {}
  get textContent(): string {
    return this.data;
  }
}

type MiniNode = MiniElement | MiniText;

class MiniStyle {
  readonly props = new Map<string, string>();
  setProperty(name: string, value: string | null): void {
    if (value === null || value === '') this.props.delete(name);
    else this.props.set(name, String(value));
  }
  getPropertyValue(name: string): string {
    return this.props.get(name) ?? '';
  }
  removeProperty(name: string): void {
    this.props.delete(name);
  }
  get cssText(): string {
    return [...this.props].map(([k, v]) => `${k}: ${v};`).join(' ');
  }
}

export class MiniDocument {
  readonly documentElement = { namespaceURI: XHTML_NS };
  createElementNS(ns: string | null, name: string): MiniElement {
    return new MiniElement(this, ns ?? XHTML_NS, name);
  }
  createElement(name: string): MiniElement {
    return new MiniElement(this, XHTML_NS, name);
  }
  createTextNode(data: string): MiniText {
    return new MiniText(data);
  }
}

export class MiniElement {
  readonly nodeType = 1;
  parentNode: MiniElement | null = null;
  readonly childNodes: MiniNode[] = [];
  readonly attributes = new Map<string, string>();
  readonly style = new MiniStyle();
  readonly listeners: string[] = [];
  constructor(
    readonly ownerDocument: MiniDocument,
    readonly namespaceURI: string,
    readonly localName: string,
  ) {}

  get tagName(): string {
    return this.localName;
  }
  get nodeName(): string {
    return this.localName;
  }
  get children(): MiniElement[] {
    return this.childNodes.filter((c): c is MiniElement => c instanceof MiniElement);
  }
  get firstChild(): MiniNode | null {
    return this.childNodes[0] ?? null;
  }
  get lastChild(): MiniNode | null {
    return this.childNodes[this.childNodes.length - 1] ?? null;
  }
  get nextSibling(): MiniNode | null {
    const sibs = this.parentNode?.childNodes;
    return sibs ? (sibs[sibs.indexOf(this) + 1] ?? null) : null;
  }
  get previousSibling(): MiniNode | null {
    const sibs = this.parentNode?.childNodes;
    return sibs ? (sibs[sibs.indexOf(this) - 1] ?? null) : null;
  }

  appendChild<T extends MiniNode>(child: T): T {
    return this.insertBefore(child, null);
  }
  insertBefore<T extends MiniNode>(child: T, ref: MiniNode | null): T {
    child.parentNode?.removeChild(child);
    const at = ref ? this.childNodes.indexOf(ref) : -1;
    this.childNodes.splice(at < 0 ? this.childNodes.length : at, 0, child);
    child.parentNode = this;
    return child;
  }
  removeChild<T extends MiniNode>(child: T): T {
    const at = this.childNodes.indexOf(child);
    if (at >= 0) this.childNodes.splice(at, 1);
    child.parentNode = null;
    return child;
  }
  remove(): void {
    this.parentNode?.removeChild(this);
  }

  setAttribute(name: string, value: unknown): void {
    this.attributes.set(name, String(value));
  }
  setAttributeNS(_ns: string | null, name: string, value: unknown): void {
    this.setAttribute(name, value);
  }
  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }
  getAttributeNS(_ns: string | null, name: string): string | null {
    return this.getAttribute(name);
  }
  hasAttribute(name: string): boolean {
    return this.attributes.has(name);
  }
  removeAttribute(name: string): void {
    this.attributes.delete(name);
  }
  removeAttributeNS(_ns: string | null, name: string): void {
    this.removeAttribute(name);
  }

  get textContent(): string {
    return this.childNodes.map((c) => c.textContent).join('');
  }
  set textContent(v: string | null) {
    for (const c of this.childNodes) c.parentNode = null;
    this.childNodes.length = 0;
    if (v !== null && v !== '') this.appendChild(new MiniText(String(v)));
  }

  addEventListener(type: string): void {
    this.listeners.push(type);
  }
  removeEventListener(): void {}

  /** All descendant elements in document order. */
  descendants(): MiniElement[] {
    const out: MiniElement[] = [];
    const walk = (e: MiniElement) => {
      for (const c of e.children) {
        out.push(c);
        walk(c);
      }
    };
    walk(this);
    return out;
  }
  querySelectorAll(selector: string): MiniElement[] {
    const list = parseSelector(selector);
    return this.descendants().filter((e) => list.some((s) => matchComplex(e, s, this)));
  }
  querySelector(selector: string): MiniElement | null {
    return this.querySelectorAll(selector)[0] ?? null;
  }
  matches(selector: string): boolean {
    return parseSelector(selector).some((s) => matchComplex(this, s, null));
  }

  /** DOM bit mask: 4 = `other` follows this node, 2 = it precedes, 8/16 = contains/contained. */
  compareDocumentPosition(other: MiniElement): number {
    if (other === this) return 0;
    const path = (n: MiniElement) => {
      const p: MiniElement[] = [];
      for (let c: MiniElement | null = n; c; c = c.parentNode) p.unshift(c);
      return p;
    };
    const a = path(this);
    const b = path(other);
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    if (i === a.length) return 4 | 16; // other is inside this
    if (i === b.length) return 2 | 8; // this is inside other
    if (i === 0) return 1; // different trees
    const sibs = a[i - 1].childNodes;
    return sibs.indexOf(a[i]) < sibs.indexOf(b[i]) ? 4 : 2;
  }
}

// ---------- selectors ----------

interface Compound {
  tag: string | null;
  id: string | null;
  classes: string[];
  attrs: { name: string; value: string | null }[];
}
/** A complex selector, right to left: compounds with the combinator that joins each to the one before it. */
type Complex = { compound: Compound; combinator: ' ' | '>' | null }[];

function parseCompound(text: string): Compound {
  const c: Compound = { tag: null, id: null, classes: [], attrs: [] };
  const re = /([a-zA-Z][\w-]*|\*)|#([\w-]+)|\.([\w-]+)|\[([\w-]+)(?:=(?:"([^"]*)"|'([^']*)'|([^\]]*)))?\]/y;
  let m: RegExpExecArray | null;
  re.lastIndex = 0;
  while (re.lastIndex < text.length && (m = re.exec(text))) {
    if (m[1]) c.tag = m[1] === '*' ? null : m[1].toLowerCase();
    else if (m[2]) c.id = m[2];
    else if (m[3]) c.classes.push(m[3]);
    else c.attrs.push({ name: m[4], value: m[5] ?? m[6] ?? m[7] ?? null });
  }
  if (re.lastIndex !== text.length) throw new Error(`svg-dom: unsupported selector "${text}"`);
  return c;
}

const cache = new Map<string, Complex[]>();
function parseSelector(selector: string): Complex[] {
  let parsed = cache.get(selector);
  if (parsed) return parsed;
  parsed = selector.split(',').map((part) => {
    const tokens = part.trim().replace(/\s*>\s*/g, ' > ').split(/\s+/);
    const out: Complex = [];
    let combinator: ' ' | '>' | null = null;
    for (const t of tokens) {
      if (t === '>') {
        combinator = '>';
        continue;
      }
      out.push({ compound: parseCompound(t), combinator: out.length ? (combinator ?? ' ') : null });
      combinator = null;
    }
    return out.reverse();
  });
  cache.set(selector, parsed);
  return parsed;
}

function matchCompound(e: MiniElement, c: Compound): boolean {
  if (c.tag && e.localName.toLowerCase() !== c.tag) return false;
  if (c.id && e.getAttribute('id') !== c.id) return false;
  const classes = (e.getAttribute('class') ?? '').split(/\s+/);
  if (c.classes.some((k) => !classes.includes(k))) return false;
  return c.attrs.every((a) => (a.value === null ? e.hasAttribute(a.name) : e.getAttribute(a.name) === a.value));
}

/** Right-to-left match of a complex selector; ancestors are searched up to (not including) `scope`. */
function matchComplex(e: MiniElement, s: Complex, scope: MiniElement | null, i = 0): boolean {
  if (!matchCompound(e, s[i].compound)) return false;
  if (i === s.length - 1) return true;
  const how = s[i].combinator;
  for (let p = e.parentNode; p && p !== scope; p = p.parentNode) {
    if (matchComplex(p, s, scope, i + 1)) return true;
    if (how === '>') return false;
  }
  return false;
}

// ---------- serialising ----------

const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s: string) => escapeText(s).replace(/"/g, '&quot;');

/**
 * Pretty XML of an element: one element per line, attributes in the order set, inline style last as
 * `style="a: b; …"`. Numbers are written as the renderers formatted them, so the output is byte-stable.
 */
export function serialize(e: MiniElement, indent = ''): string {
  const attrs = [...e.attributes].map(([k, v]) => ` ${k}="${escapeAttr(v)}"`).join('');
  const style = e.style.props.size ? ` style="${escapeAttr(e.style.cssText)}"` : '';
  const open = `${indent}<${e.localName}${attrs}${style}`;
  if (!e.childNodes.length) return `${open}/>`;
  if (e.childNodes.every((c) => c instanceof MiniText)) return `${open}>${escapeText(e.textContent)}</${e.localName}>`;
  const inner = e.childNodes.map((c) => (c instanceof MiniText ? `${indent}  ${escapeText(c.data)}` : serialize(c, `${indent}  `)));
  return `${open}>\n${inner.join('\n')}\n${indent}</${e.localName}>`;
}

/** A fresh <svg> element to render into (cast to the DOM type the renderers take). */
export function createSvg(): SVGSVGElement {
  const doc = new MiniDocument();
  return doc.createElementNS(SVG_NS, 'svg') as unknown as SVGSVGElement;
}
