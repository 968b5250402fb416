// npm onvif's WS-Discovery (multicast to 239.255.255.250:3702 from the
// named interface) prints what answered as one JSON line.
// Usage: node discover.js INTERFACE
'use strict';
const { Discovery } = require('onvif');

Discovery.on('error', () => {}); // foreign datagrams are not this test's concern
Discovery.probe({ timeout: 3000, resolve: false, device: process.argv[2] }, function (err, found) {
  if (err) {
    process.stdout.write(JSON.stringify({ error: err.message || String(err) }) + '\n');
    process.exit(1);
  }
  const devices = (found || []).map((d) => ({
    endpoint: d.probeMatches.probeMatch.endpointReference.address,
    xaddrs: String(d.probeMatches.probeMatch.XAddrs).split(' '),
  }));
  process.stdout.write(JSON.stringify({ devices }) + '\n');
  process.exit(0);
});
