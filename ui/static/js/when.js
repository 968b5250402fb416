// Times in the reader's zone. The server writes times in the appliance's
// zone, which may not be the household's (a container left at UTC); this
// module writes them again in the reader's, and live.js and settings.js
// format their times with it:
//   time[data-when]        (views.When) "2026-12-07 14:02", or "14:02" for
//                          data-when="clock" (a span's end on the same day)
//   [data-in-readers-zone] (views.InReadersZone) words that name a camera's
//                          last frame: data-seen-clock, as the server wrote
//                          it, is replaced by data-seen-at in this zone
// A row a page adds itself is written in the reader's zone already
// (settings.js listToken with dateTime below; links.js its own, with
// seconds).

const pad = (n) => String(n).padStart(2, '0');

function clockOf(d) {
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// dateTime is "2026-12-07 14:02" in the reader's zone; "" for no time.
export function dateTime(iso) {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clockOf(d)}`;
}

// inReadersZone writes the time in text that the server wrote as
// seenClock (page_live.go clockOf: "14:02" today, "Tue 3 Mar 09:05"
// before) again from seenAt, in the reader's zone and the same shape.
export function inReadersZone(text, seenAt, seenClock) {
  if (!text || !seenAt || !seenClock) return text;
  const d = new Date(seenAt);
  if (Number.isNaN(d.getTime())) return text;
  const now = new Date();
  const today = d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
  const local = today ? clockOf(d) : `${d.toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short' }).replace(',', '')} ${clockOf(d)}`;
  return text.split(seenClock).join(local);
}

for (const t of document.querySelectorAll('time[data-when]')) {
  const d = new Date(t.dateTime);
  if (Number.isNaN(d.getTime())) continue;
  t.textContent = t.dataset.when === 'clock' ? clockOf(d) : dateTime(t.dateTime);
}

for (const el of document.querySelectorAll('[data-in-readers-zone]')) {
  el.textContent = inReadersZone(el.textContent, el.dataset.seenAt, el.dataset.seenClock);
}
