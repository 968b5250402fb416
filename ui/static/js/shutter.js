// The camera page's privacy shutter: the button posts
// {"closed": true|false} to /api/cameras/{id}/shutter and reloads the page
// (the policy now refuses or allows the picture; the page shows which),
// and the strip under the timeline draws the shown day's closed periods
// from GET /api/cameras/{id}/shutter?start=&end=. The strip is a hook kept
// apart from timeline.js, which is being rewritten: it only reads the day
// input.

const SVG = 'http://www.w3.org/2000/svg';
const DAY_MIN = 24 * 60;

const toggle = document.querySelector('[data-shutter-toggle]');
const message = document.querySelector('[data-shutter-message]');
const strip = document.querySelector('[data-shutter-strip]');
const dayInput = document.getElementById('tl-day');

if (toggle) {
  toggle.addEventListener('click', async () => {
    const closed = toggle.dataset.closed !== 'true';
    toggle.disabled = true;
    try {
      const resp = await fetch(`/api/cameras/${toggle.dataset.cameraId}/shutter`, {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ closed }),
      });
      if (resp.status === 401) { window.location.assign('/login'); return; }
      if (!resp.ok) {
        const body = await resp.json().catch(() => ({}));
        message.textContent = body.error || `Could not switch the shutter (${resp.status}).`;
        return;
      }
      window.location.reload();
    } finally {
      toggle.disabled = false;
    }
  });
}

function dayStart(value) {
  const [y, m, d] = (value || '').split('-').map(Number);
  if (!y || !m || !d) { const n = new Date(); return new Date(n.getFullYear(), n.getMonth(), n.getDate()); }
  return new Date(y, m - 1, d);
}

async function drawStrip() {
  if (!strip) return;
  const start = dayStart(dayInput && dayInput.value);
  const end = new Date(start.getTime() + DAY_MIN * 60000);
  const url = `/api/cameras/${strip.dataset.cameraId}/shutter?start=${encodeURIComponent(start.toISOString())}&end=${encodeURIComponent(end.toISOString())}`;
  const resp = await fetch(url, { credentials: 'same-origin' });
  if (!resp.ok) return;
  const body = await resp.json();
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${DAY_MIN} 6`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('class', 'shutter-svg');
  for (const p of body.periods || []) {
    const a = Math.max(0, (new Date(p.start) - start) / 60000);
    const b = Math.min(DAY_MIN, ((p.end ? new Date(p.end) : new Date()) - start) / 60000);
    if (b <= a) continue;
    const r = document.createElementNS(SVG, 'rect');
    for (const [k, v] of Object.entries({ x: a, y: 0, width: Math.max(b - a, 2), height: 6, class: 'tl-shutter' })) r.setAttribute(k, String(v));
    r.dataset.cause = p.cause;
    svg.append(r);
  }
  strip.replaceChildren(svg);
  strip.dataset.periods = String((body.periods || []).length);
}

if (dayInput) dayInput.addEventListener('change', drawStrip);
drawStrip();
