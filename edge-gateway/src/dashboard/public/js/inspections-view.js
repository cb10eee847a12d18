// Inspected labels as thumbnails with verdict and reasons: every reject at once, and a sample of the
// latest passes. Thumbnails are fetched with the key (an <img src> cannot send it) under a request budget,
// so a busy line cannot spend the key's rate limit or the gateway's decode time.

import { h } from './dom.js';
import { reasonWords } from './format.js';

const LATEST_MAX = 8;
const REJECTS_MAX = 6;
/** Thumbnail requests: at most this many per second and at once (rejects first). */
const FETCHES_PER_S = 2;
const FETCHES_AT_ONCE = 2;

/** @param {{ api: ReturnType<import('./api.js').createApi>, latest: HTMLElement, rejects: HTMLElement }} deps */
export function createInspectionsView({ api, latest, rejects }) {
  /** productId -> object URL, or null when the gateway has no image for it. */
  const images = new Map();
  let rejectQueue = [];
  let passCandidate;
  let inFlight = 0;
  let tokens = FETCHES_PER_S;
  let refilledAtMs = performance.now();
  let pumpTimer;
  let generation = 0;

  function card(inspection) {
    const reject = inspection.verdict === 'reject';
    const thumb = h('div', { class: 'thumb' }, h('span', { class: 'placeholder' }, 'loading…'));
    const reasons = reject
      ? h('ul', { class: 'reasons' }, ...inspection.reasons.map((r) => h('li', { title: r }, reasonWords(r))))
      : null;
    const el = h(
      'figure',
      { class: 'label-card', dataset: { verdict: inspection.verdict, product: inspection.productId ?? '' } },
      thumb,
      h(
        'figcaption',
        {},
        h('span', { class: 'verdict' }, reject ? 'REJECT' : 'PASS'),
        ' ',
        h('span', { class: 'pid' }, inspection.productId ?? 'unreadable frame'),
        reasons,
      ),
    );
    const known = images.get(inspection.productId);
    if (known !== undefined) showImage(el, inspection.productId, known);
    return el;
  }

  function showImage(el, productId, url) {
    const thumb = el.querySelector('.thumb');
    if (url) {
      thumb.replaceChildren(h('img', { src: url, alt: `label of ${productId}`, decoding: 'async' }));
    } else {
      thumb.replaceChildren(h('span', { class: 'placeholder' }, 'no image'));
    }
  }

  function prepend(strip, el, max) {
    strip.prepend(el);
    while (strip.children.length > max) {
      const gone = strip.lastElementChild;
      gone.remove();
      forget(gone.dataset.product);
    }
  }

  /** Frees an image once no card shows it any more. */
  function forget(productId) {
    if (!productId || document.querySelector(`.label-card[data-product="${CSS.escape(productId)}"]`)) return;
    const url = images.get(productId);
    if (url) URL.revokeObjectURL(url);
    images.delete(productId);
  }

  function placeImage(productId, url) {
    const shown = document.querySelectorAll(`.label-card[data-product="${CSS.escape(productId)}"]`);
    if (shown.length === 0) {
      // Its cards scrolled out while the request ran.
      if (url) URL.revokeObjectURL(url);
      return;
    }
    images.set(productId, url);
    for (const el of shown) showImage(el, productId, url);
  }

  async function fetchImage(productId) {
    try {
      const response = await api.fetchRaw(`/inspections/${encodeURIComponent(productId)}/thumbnail`);
      return URL.createObjectURL(await response.blob());
    } catch {
      return null;
    }
  }

  function pump() {
    clearTimeout(pumpTimer);
    if (document.hidden) return;
    const now = performance.now();
    tokens = Math.min(FETCHES_PER_S, tokens + ((now - refilledAtMs) / 1000) * FETCHES_PER_S);
    refilledAtMs = now;
    while (inFlight < FETCHES_AT_ONCE && tokens >= 1 && (rejectQueue.length > 0 || passCandidate)) {
      tokens -= 1;
      const rejectFirst = rejectQueue.length > 0;
      const inspection = rejectFirst ? rejectQueue.shift() : passCandidate;
      if (!rejectFirst) passCandidate = undefined;
      const mine = generation;
      inFlight++;
      fetchImage(inspection.productId).then((url) => {
        inFlight--;
        if (mine !== generation) {
          if (url) URL.revokeObjectURL(url);
          return;
        }
        if (rejectFirst) placeImage(inspection.productId, url);
        else if (url) {
          // A pass is shown only with its picture: it is a sample, not a record.
          images.set(inspection.productId, url);
          prepend(latest, card(inspection), LATEST_MAX);
        }
        pump();
      });
    }
    if (tokens < 1 && (rejectQueue.length > 0 || passCandidate)) {
      pumpTimer = setTimeout(pump, ((1 - tokens) / FETCHES_PER_S) * 1000);
    }
  }

  document.addEventListener('visibilitychange', pump);

  return {
    /** Verdicts newest first, from a snapshot or an update. */
    add(inspections) {
      // Oldest first, so the newest ends up leftmost.
      for (const inspection of [...inspections].reverse()) {
        if (inspection.verdict !== 'reject') continue;
        const cards = [card(inspection), card(inspection)];
        prepend(rejects, cards[0], REJECTS_MAX);
        prepend(latest, cards[1], LATEST_MAX);
        if (inspection.productId === null) for (const el of cards) showImage(el, '', null);
        else if (!images.has(inspection.productId)) {
          rejectQueue.push(inspection);
          if (rejectQueue.length > REJECTS_MAX) rejectQueue = rejectQueue.slice(-REJECTS_MAX);
        }
      }
      const newestPass = inspections.find((i) => i.verdict === 'pass' && i.productId !== null);
      if (newestPass) passCandidate = newestPass;
      pump();
    },
    clear() {
      generation++;
      rejectQueue = [];
      passCandidate = undefined;
      latest.replaceChildren();
      rejects.replaceChildren();
      for (const url of images.values()) if (url) URL.revokeObjectURL(url);
      images.clear();
    },
  };
}
