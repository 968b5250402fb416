// npm onvif subscribes to a device's events through a pull point, pulls
// until a person detection arrives (bounded: 20 pulls), and prints the
// messages it parsed as one JSON line.
// Usage: node events.js HOST PORT USER PASSWORD-FROM-STDIN
'use strict';
const { Cam } = require('onvif');

const [host, port, username] = process.argv.slice(2);
const password = require('fs').readFileSync(0, 'utf8').replace(/\n$/, '');

function fail(what, err) {
  process.stdout.write(JSON.stringify({ error: what + ': ' + (err && err.message ? err.message : String(err)) }) + '\n');
  process.exit(1);
}
const list = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const cam = new Cam({ hostname: host, port: Number(port), username, password, timeout: 15000 }, function (err) {
  if (err) return fail('connect', err);
  cam.createPullPointSubscription(function (err) {
    if (err) return fail('createPullPointSubscription', err);
    const messages = [];
    let pulls = 0;
    const pull = () => {
      if (++pulls > 20) return fail('pullMessages', 'no person detection in 20 pulls');
      cam.pullMessages({ messageLimit: 10 }, function (err, data) {
        if (err) return fail('pullMessages', err);
        for (const m of list(data && data.notificationMessage)) {
          const topic = typeof m.topic === 'string' ? m.topic : m.topic._;
          const items = {};
          for (const it of list(m.message.message.data.simpleItem)) items[it.$.Name] = String(it.$.Value);
          messages.push({ topic, data: items });
        }
        if (messages.some((m) => m.topic.endsWith('PeopleDetect') && m.data.State === 'true')) {
          cam.unsubscribe(function () {
            process.stdout.write(JSON.stringify({ messages }) + '\n');
            process.exit(0);
          });
          return;
        }
        pull();
      });
    };
    pull();
  });
});
