// Zone editor of a camera's "Events and motion" form: the camera's current
// picture (GET /api/cameras/{id}/snapshot) under an SVG overlay. A click
// adds a point of the new zone; "Add zone" closes it with its name and
// kind (zone or mask). Points are normalized to 0..1 from the top left of
// the picture, as nvr.Zone stores them. The form's field is the zones
// JSON textarea: every change here rewrites it, and typing there redraws
// here, so the form also works from the keyboard alone. The server
// (nvr Detection.Validate) decides what is valid; this only helps draw.
// Names are shown with textContent only.

const SVG = 'http://www.w3.org/2000/svg';
const MAX_POINTS = 32; // nvr.MaxZonePoints

function svgEl(name, attrs) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

const round4 = (v) => Math.round(Math.min(1, Math.max(0, v)) * 10000) / 10000;
const validPoint = (p) => Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number' && Number.isFinite(v));

function initSensitivity(form) {
  const range = form.querySelector('[data-sens-range]');
  const number = form.querySelector('[data-sens-number]');
  if (!range || !number) return;
  range.addEventListener('input', () => { number.value = range.value; });
  number.addEventListener('input', () => { if (number.value !== '') range.value = number.value; });
}

function initEditor(editor) {
  const form = editor.closest('form');
  const q = (sel) => editor.querySelector(sel);
  const textarea = q('[data-zone-json]');
  const stage = q('[data-zone-stage]');
  const still = q('[data-zone-still]');
  const video = q('[data-zone-video]');
  const svg = q('[data-zone-svg]');
  const statusEl = q('[data-zone-status]');
  const nameInput = q('[data-zone-name]');
  const maskBox = q('[data-zone-mask]');
  const list = q('[data-zone-list]');
  const addBtn = q('[data-zone-add]');
  const undoBtn = q('[data-zone-undo]');
  const clearBtn = q('[data-zone-clear]');
  const refreshBtn = q('[data-zone-refresh]');

  let zones = [];
  let draft = [];
  let jsonOK = true;
  let pictureURL = null;
  let note = '';

  function readText() {
    const text = textarea.value.trim();
    if (text === '') { zones = []; jsonOK = true; return; }
    try {
      const v = JSON.parse(text);
      if (!Array.isArray(v)) throw new Error('not an array');
      zones = v;
      jsonOK = true;
    } catch {
      jsonOK = false;
    }
  }

  function writeText() {
    textarea.value = zones.length === 0 ? '[]' : `[\n${zones.map((z) => JSON.stringify(z)).join(',\n')}\n]`;
  }

  function status(text) {
    if (!jsonOK) text = 'The zones JSON below is not valid: fix it there (saving shows why), or clear it to draw.';
    statusEl.textContent = text;
  }

  function render() {
    svg.replaceChildren();
    if (jsonOK) {
      zones.forEach((z, i) => {
        if (!z || !Array.isArray(z.polygon)) return;
        const pts = z.polygon.filter(validPoint).map((p) => `${p[0]},${p[1]}`).join(' ');
        svg.append(svgEl('polygon', { points: pts, class: z.mask ? 'zone-poly zone-mask' : 'zone-poly', 'data-zone-index': i }));
      });
    }
    if (draft.length > 0) {
      svg.append(svgEl('polygon', { points: draft.map((p) => `${p[0]},${p[1]}`).join(' '), class: 'zone-draft-line' }));
      for (const p of draft) svg.append(svgEl('line', { x1: p[0], y1: p[1], x2: p[0], y2: p[1], class: 'zone-point' }));
    }
    list.replaceChildren();
    if (jsonOK) {
      zones.forEach((z, i) => {
        const li = document.createElement('li');
        li.dataset.testid = 'zone-item';
        const swatch = document.createElement('span');
        swatch.className = z && z.mask ? 'zone-swatch mask' : 'zone-swatch';
        const label = document.createElement('span');
        const n = z && Array.isArray(z.polygon) ? z.polygon.length : 0;
        label.textContent = `${(z && z.name) || '(no name)'}: ${z && z.mask ? 'mask' : 'zone'}, ${n} points`;
        const del = document.createElement('button');
        del.type = 'button';
        del.className = 'secondary';
        del.textContent = 'Delete';
        del.setAttribute('aria-label', `Delete ${z && z.mask ? 'mask' : 'zone'} ${(z && z.name) || i + 1}`);
        del.addEventListener('click', () => {
          zones.splice(i, 1);
          writeText();
          note = 'Deleted. Save to keep the change.';
          render();
        });
        li.append(swatch, label, del);
        list.append(li);
      });
    }
    addBtn.disabled = !jsonOK || draft.length < 3;
    undoBtn.disabled = clearBtn.disabled = draft.length === 0;
    if (draft.length > 0) {
      status(`${draft.length} point${draft.length === 1 ? '' : 's'}` +
        (draft.length < 3 ? `: click ${3 - draft.length} more at least.` : ': name it and add the zone, or click more points.'));
    } else {
      status(note || 'Click the picture to place the points of a new zone.');
    }
  }

  svg.addEventListener('click', (ev) => {
    if (!jsonOK) { render(); return; }
    if (draft.length >= MAX_POINTS) { status(`A zone has at most ${MAX_POINTS} points.`); return; }
    const r = svg.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return;
    draft.push([round4((ev.clientX - r.left) / r.width), round4((ev.clientY - r.top) / r.height)]);
    note = '';
    render();
  });
  undoBtn.addEventListener('click', () => { draft.pop(); render(); });
  clearBtn.addEventListener('click', () => { draft = []; render(); });
  addBtn.addEventListener('click', () => {
    if (!jsonOK || draft.length < 3) return;
    const mask = maskBox.checked;
    const name = nameInput.value.trim() || `${mask ? 'mask' : 'zone'} ${zones.length + 1}`;
    const z = { name, polygon: draft };
    if (mask) z.mask = true;
    zones.push(z);
    draft = [];
    nameInput.value = '';
    maskBox.checked = false;
    writeText();
    note = `Added "${name}". Save to keep it.`;
    render();
  });
  textarea.addEventListener('input', () => { readText(); note = ''; render(); });
  // Enter in the name field adds the zone instead of submitting the form.
  nameInput.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') { ev.preventDefault(); addBtn.click(); }
  });

  function noPicture(why) {
    stage.classList.add('no-picture');
    still.hidden = true;
    video.hidden = true;
    note = `No picture (${why}): zones can still be drawn on the blank area.`;
    render();
  }

  async function loadPicture() {
    refreshBtn.disabled = true;
    try {
      const resp = await fetch(editor.dataset.snapshot, { credentials: 'same-origin', cache: 'no-store' });
      if (!resp.ok) {
        let msg = `status ${resp.status}`;
        try { const data = await resp.json(); if (data && data.error) msg = data.error; } catch { /* not JSON */ }
        noPicture(msg);
        return;
      }
      const type = resp.headers.get('Content-Type') || '';
      const blob = await resp.blob();
      if (pictureURL) URL.revokeObjectURL(pictureURL);
      pictureURL = URL.createObjectURL(blob);
      // Without ffmpeg the server makes a one-frame MP4 instead of a JPEG.
      const target = type.startsWith('video/') ? video : still;
      const other = target === video ? still : video;
      other.hidden = true;
      other.removeAttribute('src');
      const shown = () => {
        stage.classList.remove('no-picture');
        target.hidden = false;
        if (note.startsWith('No picture')) { note = ''; render(); }
      };
      if (target === video) {
        video.onloadeddata = shown;
        video.hidden = false; // a hidden <video> need not load its first frame
      } else {
        still.onload = shown;
      }
      target.onerror = () => noPicture('the picture could not be shown');
      target.src = pictureURL;
    } catch (err) {
      noPicture(err.message);
    } finally {
      refreshBtn.disabled = false;
    }
  }
  refreshBtn.addEventListener('click', loadPicture);

  for (const el of form.querySelectorAll('[data-zone-ui]')) el.hidden = false;
  readText();
  // JSON the editor cannot draw is shown where it can be fixed.
  if (!jsonOK) textarea.closest('details').open = true;
  render();
  loadPicture();
}

for (const form of document.querySelectorAll('form[data-api]')) initSensitivity(form);
for (const editor of document.querySelectorAll('[data-zone-editor]')) initEditor(editor);
