// The camera page's privacy shutter button: it posts
// {"closed": true|false} to /api/cameras/{id}/shutter and reloads the page
// (the policy now refuses or allows the picture; the page shows which).
// The closed periods are drawn by the timeline (timeline.js).

const toggle = document.querySelector('[data-shutter-toggle]');
const message = document.querySelector('[data-shutter-message]');

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
