// A Standard Webhooks receiver's check of a faceattend delivery (the README's example; the
// connectors' webhook tests run it against real deliveries).
const crypto = require("node:crypto");

// True if the request is faceattend's: any v1 signature matches, and it is recent.
function verify(secret, headers, rawBody, toleranceSeconds = 300) {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const id = headers["webhook-id"], ts = headers["webhook-timestamp"];
  if (Math.abs(Date.now() / 1000 - Number(ts)) > toleranceSeconds) return false;
  const expected = crypto.createHmac("sha256", key).update(`${id}.${ts}.`).update(rawBody).digest();
  return headers["webhook-signature"].split(" ").some((s) => {
    const given = Buffer.from(s.startsWith("v1,") ? s.slice(3) : "", "base64");
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  });
}
module.exports = { verify };
