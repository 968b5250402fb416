// An independent ONVIF client (npm onvif, agsh) reads a device the way
// third-party software would, and prints what it learnt as one JSON line.
// Usage: node probe.js HOST PORT USER PASSWORD-FROM-STDIN
'use strict';
const { Cam } = require('onvif');

const [host, port, username] = process.argv.slice(2);
const password = require('fs').readFileSync(0, 'utf8').replace(/\n$/, '');

function fail(what, err) {
  process.stdout.write(JSON.stringify({ error: what + ': ' + (err && err.message ? err.message : String(err)) }) + '\n');
  process.exit(1);
}

const cam = new Cam({ hostname: host, port: Number(port), username, password, timeout: 10000 }, function (err) {
  if (err) return fail('connect', err);
  cam.getDeviceInformation(function (err, info) {
    if (err) return fail('getDeviceInformation', err);
    const profiles = cam.profiles || [];
    const out = { info, profiles: [], defaultProfile: cam.defaultProfile ? cam.defaultProfile.$.token : null };
    let pending = profiles.length;
    if (!pending) return fail('profiles', 'none');
    profiles.forEach(function (p, i) {
      const enc = p.videoEncoderConfiguration || {};
      out.profiles[i] = { token: p.$.token, name: p.name, encoding: enc.encoding,
        width: enc.resolution && enc.resolution.width, height: enc.resolution && enc.resolution.height };
      cam.getStreamUri({ protocol: 'RTSP', profileToken: p.$.token }, function (err, stream) {
        if (err) return fail('getStreamUri ' + p.$.token, err);
        out.profiles[i].uri = stream.uri;
        if (--pending === 0) {
          process.stdout.write(JSON.stringify(out) + '\n');
          process.exit(0);
        }
      });
    });
  });
});
