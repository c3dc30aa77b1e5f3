// The console's only script: live incident rows over Server-Sent Events and approval countdowns. The pages work without it.
(() => {
  'use strict';
  const rows = document.querySelector('[data-live]');
  const state = document.querySelector('[data-live-state]');
  if (rows && window.EventSource) {
    const source = new EventSource(rows.getAttribute('data-live'));
    const say = (text) => { if (state) state.textContent = text; };
    source.addEventListener('open', () => say('Live: updates as incidents change.'));
    source.addEventListener('incidents', (e) => { rows.innerHTML = e.data; say('Live: updated ' + new Date().toLocaleTimeString() + '.'); });
    source.addEventListener('unavailable', () => say('The orchestrator did not answer; retrying.'));
    source.addEventListener('error', () => say('Live updates interrupted; reconnecting…'));
  } else if (state) {
    state.textContent = '';
  }

  const deadlines = document.querySelectorAll('[data-deadline]');
  if (deadlines.length > 0) {
    const tick = () => {
      for (const el of deadlines) {
        const left = Math.floor((Date.parse(el.getAttribute('data-deadline')) - Date.now()) / 1000);
        el.textContent = left <= 0 ? 'expired' : `${Math.floor(left / 60)}m ${String(left % 60).padStart(2, '0')}s left`;
      }
    };
    tick();
    setInterval(tick, 1000);
  }
})();
