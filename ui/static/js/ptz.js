// The camera page's PTZ buttons: each press posts a short move to
// /api/cameras/{id}/ptz (the camera stops by itself after it), Stop stops
// it, the presets list is read once and goes to the chosen one, and Save
// position stores where the head is under the name typed.
// Messages are shown with textContent only.

const box = document.querySelector('[data-ptz]');

async function ptz(body) {
  const resp = await fetch(`/api/cameras/${box.dataset.cameraId}/ptz`, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (resp.status === 401) { window.location.assign('/login'); throw new Error('signed out'); }
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new Error(data.error || `failed (${resp.status})`);
  return data;
}

if (box) {
  const message = box.querySelector('[data-ptz-message]');
  // "Moving." lasts as long as the move (the camera stops after about 2 s).
  let clear = 0;
  const say = (text, forMs) => {
    message.textContent = text;
    clearTimeout(clear);
    if (forMs) clear = setTimeout(() => { message.textContent = ''; }, forMs);
  };
  for (const btn of box.querySelectorAll('[data-ptz-move]')) {
    btn.addEventListener('click', async () => {
      const [pan, tilt, zoom] = btn.dataset.ptzMove.split(',').map(Number);
      try { await ptz({ action: 'move', pan, tilt, zoom }); say('Moving.', 2500); } catch (err) { say(err.message); }
    });
  }
  box.querySelector('[data-ptz-stop]').addEventListener('click', async () => {
    try { await ptz({ action: 'stop' }); say('Stopped.', 2500); } catch (err) { say(err.message); }
  });
  const presets = box.querySelector('[data-ptz-presets]');
  const addPreset = (p) => {
    const o = document.createElement('option');
    o.value = p.token;
    o.textContent = p.name || p.token;
    presets.append(o);
  };
  ptz({ action: 'presets' }).then((r) => {
    for (const p of r.presets || []) addPreset(p);
    // Shown only when the camera has presets to choose from.
    presets.hidden = presets.options.length < 2;
  }).catch((err) => say(err.message));
  const name = box.querySelector('[data-ptz-name]');
  box.querySelector('[data-ptz-save]').addEventListener('click', async () => {
    if (!name.value.trim()) { say('Type a name for this position first.'); name.focus(); return; }
    try {
      const r = await ptz({ action: 'save', name: name.value });
      for (const p of r.presets || []) { addPreset(p); say(`Saved “${p.name}”.`); }
      presets.hidden = false;
      name.value = '';
    } catch (err) { say(err.message); }
  });
  presets.addEventListener('change', async () => {
    if (!presets.value) return;
    try { await ptz({ action: 'goto', preset: presets.value }); say('Going to the preset.'); } catch (err) { say(err.message); }
    presets.value = '';
  });
}
