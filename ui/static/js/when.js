// Times the server wrote in its own zone (time[data-when], views.When) are
// written again in the reader's, in the same shape: the appliance's zone
// may not be the household's (a container left at UTC), and rows a page
// adds itself (links.js) are already in the reader's. "2026-12-07 14:02",
// or "14:02" for data-when="clock" (a span's end on the same day).
const pad = (n) => String(n).padStart(2, '0');

for (const t of document.querySelectorAll('time[data-when]')) {
  const d = new Date(t.dateTime);
  if (Number.isNaN(d.getTime())) continue;
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  t.textContent = t.dataset.when === 'clock' ? clock : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock}`;
}
