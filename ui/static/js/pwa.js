// Registers the service worker (ui/static/sw.js) for the whole app, so a
// phone can install Hearth and receive push notifications. Browsers allow
// it only over HTTPS or on localhost; elsewhere this does nothing.
if ('serviceWorker' in navigator && window.isSecureContext) {
  navigator.serviceWorker.register('/static/sw.js', { scope: '/' }).catch(() => {});
}
