// Share links settings: the form posts to the chosen camera's link route
// (the camera is part of the path, so the policy decides on it) and shows
// the new link once. Revoking goes through settings.js's [data-delete].

const form = document.querySelector('form[data-share-form]');

function iso(local) {
  if (!local) return '';
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

if (form) {
  const out = form.querySelector('[data-link-output]');
  const result = form.querySelector('[data-result]');
  const kind = form.elements.kind;
  // "Copy link": the clipboard where the page may write it (https or this
  // machine), else the link is selected for the phone's own copy menu.
  const copy = form.querySelector('[data-link-copy]');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(out.textContent);
      result.textContent = 'Link copied. It is not shown again.';
      result.classList.remove('error');
    } catch {
      const range = document.createRange();
      range.selectNodeContents(out);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      result.textContent = 'The link is selected: copy it now, it is not shown again.';
      result.classList.remove('error');
    }
  });
  const syncKind = () => {
    const clip = kind.value === 'clip';
    form.elements.start.disabled = !clip;
    form.elements.end.disabled = !clip;
    // The recording's times are asked for only when a recording is shared.
    form.querySelector('[data-link-range]').hidden = !clip;
  };
  kind.addEventListener('change', syncKind);
  syncKind();
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {
      kind: kind.value,
      expires_in_hours: Number.parseInt(form.elements.expires_in_hours.value || '0', 10),
      passcode: form.elements.passcode.value,
      max_views: Number.parseInt(form.elements.max_views.value || '0', 10),
    };
    if (kind.value === 'clip') {
      body.start = iso(form.elements.start.value);
      body.end = iso(form.elements.end.value);
      if (!body.start || !body.end) {
        result.textContent = 'Choose when the recording starts and when it ends.';
        result.classList.add('error');
        return;
      }
    }
    const cam = encodeURIComponent(form.elements.camera.value);
    try {
      const resp = await fetch(`/api/cameras/${cam}/links`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      const data = await resp.json().catch(() => null);
      if (!resp.ok) throw new Error((data && data.error) || `failed (${resp.status})`);
      out.textContent = new URL(data.url, window.location.href).toString();
      copy.hidden = false;
      result.textContent = 'Link made. Copy it now: it is not shown again.';
      result.classList.remove('error');
    } catch (err) {
      result.textContent = err.message;
      result.classList.add('error');
    }
  });
}
