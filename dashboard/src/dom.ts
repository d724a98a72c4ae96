/**
 * A small element builder. Text always goes in as text (textContent), never as markup: the page
 * shows values from users' files, and none of them may become HTML.
 */
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'object' ? child : String(child));
  }
}

/** Replaces an element's content. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} is missing from the page`);
  return el as T;
}

/** A progress bar (role=progressbar, so tools and people read the same number). */
export function progressBar(percent: number | null, label: string): HTMLElement {
  const fillEl = h('span', { class: 'fill' });
  const bar = h('span', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100 }, fillEl);
  setProgress(bar, percent, label);
  return bar;
}

export function setProgress(bar: Element, percent: number | null, label: string): void {
  const fillEl = bar.querySelector<HTMLElement>('.fill');
  if (percent === null) {
    bar.removeAttribute('aria-valuenow');
    bar.classList.add('indeterminate');
  } else {
    const p = Math.max(0, Math.min(100, Math.round(percent)));
    bar.setAttribute('aria-valuenow', String(p));
    bar.classList.remove('indeterminate');
    if (fillEl) fillEl.style.width = `${p}%`;
  }
  bar.setAttribute('aria-label', label);
}

/** Previous and next buttons around where the reader is; a null action is a disabled button. */
export function pager(
  label: string,
  where: string,
  previous: (() => void) | null,
  next: (() => void) | null,
): HTMLElement {
  return h(
    'nav',
    { class: 'pager', 'aria-label': label },
    h(
      'button',
      { class: 'secondary previous', disabled: previous === null, onclick: previous ?? undefined },
      '← Previous',
    ),
    h('span', { class: 'muted small where' }, where),
    h('button', { class: 'secondary next', disabled: next === null, onclick: next ?? undefined }, 'Next →'),
  );
}
