// "Notify this device": asks the browser for permission, subscribes it to
// push with the appliance's VAPID key and stores the subscription as one
// of the user's channels. Results are shown with textContent only.
const btn = document.querySelector('[data-push-subscribe]');
const out = document.querySelector('[data-push-result]');

function say(text, ok) {
  if (!out) return;
  out.textContent = text;
  out.classList.toggle('error', !ok);
}

function keyBytes(b64) {
  const s = atob(b64.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

if (btn) {
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !window.isSecureContext) {
    btn.disabled = true;
    say('This browser cannot receive notifications from here: push needs HTTPS (on an iPhone, add Hearth to the home screen first).', false);
  } else {
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      try {
        if (await Notification.requestPermission() !== 'granted') throw new Error('notifications are blocked for this site');
        const keyResp = await fetch('/api/notify/webpush/key', { credentials: 'same-origin' });
        if (!keyResp.ok) throw new Error('push is not set up on this Hearth');
        const { public_key: key } = await keyResp.json();
        const reg = await navigator.serviceWorker.ready;
        const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
        const name = (document.querySelector('#push-name') || {}).value || 'This device';
        const resp = await fetch('/api/notify/webpush', {
          method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ name, subscription: sub.toJSON() }),
        });
        if (!resp.ok) throw new Error(((await resp.json().catch(() => null)) || {}).error || `failed (${resp.status})`);
        window.location.reload();
      } catch (err) {
        say(err.message, false);
        btn.disabled = false;
      }
    });
  }
}
