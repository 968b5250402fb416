// npm onvif subscribes to a device's events by base notification
// (Cam.subscribe: wsnt:Subscribe with a consumer address), serving the
// consumer itself on loopback; it waits for a pushed Notify holding a
// person detection (bounded: 20 s), renews, unsubscribes, and prints
// what it received as one JSON line.
// Usage: node push.js HOST PORT USER PASSWORD-FROM-STDIN
'use strict';
const http = require('http');
const { Cam } = require('onvif');
const xml2js = require('xml2js');

const [host, port, username] = process.argv.slice(2);
const password = require('fs').readFileSync(0, 'utf8').replace(/\n$/, '');

function fail(what, err) {
  process.stdout.write(JSON.stringify({ error: what + ': ' + (err && err.message ? err.message : String(err)) }) + '\n');
  process.exit(1);
}
const list = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const strip = xml2js.processors.stripPrefix;

const messages = [];
let posts = 0;
let done = null; // called once a person detection has arrived
const consumer = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { if (body.length < (1 << 20)) body += c; });
  req.on('end', () => {
    posts++;
    res.end();
    xml2js.parseString(body, { tagNameProcessors: [strip], explicitArray: false }, (err, doc) => {
      if (err) return fail('parse Notify', err);
      for (const m of list(doc.Envelope.Body.Notify.NotificationMessage)) {
        const topic = typeof m.Topic === 'string' ? m.Topic : m.Topic._;
        const items = {};
        for (const it of list(m.Message.Message.Data.SimpleItem)) items[it.$.Name] = String(it.$.Value);
        messages.push({ topic, data: items });
      }
      if (done && messages.some((m) => m.topic.endsWith('PeopleDetect') && m.data.State === 'true')) {
        const d = done;
        done = null;
        d();
      }
    });
  });
});
setTimeout(() => fail('notify', 'no person detection pushed within 20 s'), 20000).unref();

consumer.listen(0, '127.0.0.1', () => {
  const url = 'http://127.0.0.1:' + consumer.address().port + '/notify';
  const cam = new Cam({ hostname: host, port: Number(port), username, password, timeout: 15000 }, function (err) {
    if (err) return fail('connect', err);
    cam.subscribe({ url }, function (err) {
      if (err) return fail('subscribe', err);
      done = () => {
        cam.renew({}, function (err) {
          if (err) return fail('renew', err);
          cam.unsubscribe(function (err) {
            if (err) return fail('unsubscribe', err);
            process.stdout.write(JSON.stringify({ messages, posts }) + '\n');
            process.exit(0);
          });
        });
      };
    });
  });
});
