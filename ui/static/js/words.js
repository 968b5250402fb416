// Words shared by the pages' scripts.

// sentence makes the server's error text ("a passcode has 4 to 128
// characters", "the current password is wrong") read as a sentence on
// the page: a capital first letter and a full stop.
export function sentence(s) {
  const t = String(s || '').trim();
  if (!t) return t;
  return t[0].toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
}
