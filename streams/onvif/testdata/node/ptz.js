// npm onvif moves a device's PTZ head right for a moment, stops it, stores
// and lists a preset, reads the status, and prints it as one JSON line.
// Usage: node ptz.js HOST PORT USER PASSWORD-FROM-STDIN
'use strict';
const { Cam } = require('onvif');

const [host, port, username] = process.argv.slice(2);
const password = require('fs').readFileSync(0, 'utf8').replace(/\n$/, '');

function fail(what, err) {
  process.stdout.write(JSON.stringify({ error: what + ': ' + (err && err.message ? err.message : String(err)) }) + '\n');
  process.exit(1);
}

const cam = new Cam({ hostname: host, port: Number(port), username, password, timeout: 15000 }, function (err) {
  if (err) return fail('connect', err);
  cam.continuousMove({ x: 1, y: 0, zoom: 0, timeout: 30000 }, function (err) {
    if (err) return fail('continuousMove', err);
    setTimeout(function () {
      cam.stop({ panTilt: true, zoom: true }, function (err) {
        if (err) return fail('stop', err);
        cam.setPreset({ presetName: 'gate' }, function (err) {
          if (err) return fail('setPreset', err);
          cam.getPresets({}, function (err, presets) {
            if (err) return fail('getPresets', err);
            cam.getStatus({}, function (err, status) {
              if (err) return fail('getStatus', err);
              process.stdout.write(JSON.stringify({ presets, status }) + '\n');
              process.exit(0);
            });
          });
        });
      });
    }, 500);
  });
});
