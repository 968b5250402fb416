// An independent check of Hearth's web push messages: decrypts an RFC 8291
// (aes128gcm) body with npm http_ece, the library npm web-push uses, and
// verifies the RFC 8292 VAPID JWT with node's own crypto.
// stdin: {"body": b64, "ua_private": b64url (32 bytes), "auth": b64url,
//         "authorization": "vapid t=..., k=...", "endpoint": "..."}
// stdout: {"plaintext": "...", "claims": {...}, "jwt_ok": true|false}
'use strict';
const crypto = require('crypto');
const ece = require('http_ece');
require('web-push'); // the pinned peer is present (and loads) as a whole

let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  const req = JSON.parse(input);
  const ua = crypto.createECDH('prime256v1');
  ua.setPrivateKey(Buffer.from(req.ua_private, 'base64url'));
  const plaintext = ece.decrypt(Buffer.from(req.body, 'base64'), {
    version: 'aes128gcm',
    privateKey: ua,
    authSecret: Buffer.from(req.auth, 'base64url'),
  });
  const m = /^vapid t=([^,]+), k=(.+)$/.exec(req.authorization);
  if (!m) throw new Error('Authorization is not "vapid t=…, k=…"');
  const [h, c, s] = m[1].split('.');
  const raw = Buffer.from(m[2], 'base64url');
  const key = crypto.createPublicKey({ format: 'jwk', key: {
    kty: 'EC', crv: 'P-256',
    x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33, 65).toString('base64url') } });
  const jwtOk = crypto.verify('sha256', Buffer.from(h + '.' + c), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
  process.stdout.write(JSON.stringify({
    plaintext: plaintext.toString('utf8'),
    header: JSON.parse(Buffer.from(h, 'base64url').toString()),
    claims: JSON.parse(Buffer.from(c, 'base64url').toString()),
    jwt_ok: jwtOk,
  }));
});
