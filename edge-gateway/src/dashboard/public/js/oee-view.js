// OEE over the line's window (edge-gateway/src/packml/oee.ts): availability, performance, quality and
// their product, each as a figure and a meter, with the window and the times and counts behind them.

import { byId, setText } from './dom.js';
import { duration, integer, ratio, span } from './format.js';

const FACTORS = ['availability', 'performance', 'quality', 'oee'];

export function createOeeView() {
  const windowEl = byId('oee-window');

  return {
    /** `oee` is the line snapshot's OeeSnapshot; absent from an older gateway, when the panel shows dashes. */
    update(oee) {
      setText(windowEl, span(oee?.windowMs));
      windowEl.dataset.windowMs = String(oee?.windowMs ?? '');
      for (const factor of FACTORS) {
        const value = oee?.[factor] ?? null;
        const figure = byId(`oee-${factor}`);
        setText(figure, ratio(value));
        figure.dataset.value = value === null ? '' : String(value);
        const meter = byId(`oee-${factor}-meter`);
        // A meter without a value reads as empty: only a measured factor fills it.
        if (value === null) meter.removeAttribute('value');
        else meter.value = value;
      }
      // Fixed cells, not a sentence: text that rewraps each second would move the buttons below it.
      setText(byId('oee-run'), oee ? duration(oee.runTimeMs) || '0 s' : '—');
      setText(byId('oee-planned'), oee ? duration(oee.plannedTimeMs) || '0 s' : '—');
      setText(byId('oee-products'), integer(oee?.products));
      setText(byId('oee-good'), integer(oee?.good));
      setText(byId('oee-ideal'), integer(oee?.idealRatePerMin));
    },
  };
}
