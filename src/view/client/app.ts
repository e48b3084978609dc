import { ApiFailure } from './api.js';
import { comparePage } from './compare.js';
import { append, h, type Rendered } from './dom.js';
import { experimentPage, experimentsPage, stagePage } from './experiments.js';
import { llmPage } from './llm.js';
import { queriesPage, queryPage } from './queries.js';

/** Where the page is: `#/e/NAME/TAB/...?params`, decoded. */
export interface Location {
  path: string[];
  params: URLSearchParams;
}

function parse(): Location {
  const hash = location.hash.replace(/^#/, '') || '/';
  const q = hash.indexOf('?');
  const path = (q < 0 ? hash : hash.slice(0, q))
    .split('/')
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  return { path, params: new URLSearchParams(q < 0 ? '' : hash.slice(q + 1)) };
}

async function page(loc: Location): Promise<Rendered> {
  const [top, name, tab, id] = loc.path;
  if (!top) return experimentsPage();
  if (top === 'e' && name) {
    if (tab === 'stage' && id) return stagePage(name, id);
    if (tab === 'q' && id) return queryPage(name, id, loc.params);
    return experimentPage(name, tab ?? 'stages', loc.params, async (view) => {
      if (tab === 'queries') return queriesPage(view, loc.params);
      if (tab === 'compare') return comparePage(view, loc.params);
      if (tab === 'llm') return llmPage(view);
      return null;
    });
  }
  return { content: h('p', { class: 'error' }, `No page at ${location.hash}.`) };
}

let current = 0;
let timer: ReturnType<typeof setTimeout> | undefined;

async function render(): Promise<void> {
  const token = ++current;
  const hash = location.hash;
  clearTimeout(timer);
  const main = document.getElementById('main') as HTMLElement;
  const crumbs = document.getElementById('crumbs') as HTMLElement;
  document.body.dataset.state = 'loading';
  // while another address loads, the page on screen takes no input: its controls would build the
  // next address from their own parameters, and undo the navigation under way
  if (hash !== document.body.dataset.hash) main.inert = true;
  let out: Rendered;
  try {
    out = await page(parse());
  } catch (err) {
    const msg = err instanceof ApiFailure ? err.message : `The page failed: ${(err as Error).message}`;
    out = { content: h('p', { class: 'error' }, msg) };
  }
  if (token !== current) return;
  main.replaceChildren();
  main.inert = false;
  append(main, [out.content]);
  crumbs.replaceChildren();
  for (const c of out.crumbs ?? []) append(crumbs, [' / ', c.href ? h('a', { href: c.href }, c.label) : h('span', null, c.label)]);
  document.body.dataset.state = 'ready';
  // the address this content was rendered for: until it equals location.hash, the page shown (and
  // its controls, which build addresses from their own) is the previous one
  document.body.dataset.hash = hash;
  if (out.refreshMs) {
    timer = setTimeout(() => {
      if (location.hash === hash) void render();
    }, out.refreshMs);
  }
}

window.addEventListener('hashchange', () => {
  void render();
});
void render();
