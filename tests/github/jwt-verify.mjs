// Verifies autofix's App JWTs with jose (an independent JOSE implementation).
// usage: node jwt-verify.mjs PUBKEY.pem WRONG_PUBKEY.pem ISS JWT...
// Prints TAP lines (no plan); exits nonzero only on a crash.
import { readFileSync } from "node:fs";
import { webcrypto } from "node:crypto";
import { importSPKI, jwtVerify, decodeProtectedHeader, decodeJwt } from "jose";

// jose 6 calls the global Web Crypto API, which Debian 12's Node.js 18 does
// not define by default (it does from Node.js 19 on).
globalThis.crypto ??= webcrypto;

const [pub, wrong, iss, ...tokens] = process.argv.slice(2);
const key = await importSPKI(readFileSync(pub, "utf8"), "RS256");
const wrongKey = await importSPKI(readFileSync(wrong, "utf8"), "RS256");
let n = 0;
const ok = (cond, name) => console.log(`${cond ? "ok" : "not ok"} ${++n} - ${name}`);

for (const [i, token] of tokens.entries()) {
  const label = `token ${i + 1}`;
  const now = Math.floor(Date.now() / 1000);
  try {
    const { payload, protectedHeader } = await jwtVerify(token, key, {
      algorithms: ["RS256"],
      issuer: iss,
    });
    ok(protectedHeader.alg === "RS256", `${label}: alg RS256`);
    ok(typeof payload.iss === "string" && payload.iss === iss, `${label}: iss is the string ${iss}`);
    ok(Math.abs(payload.iat - (now - 60)) <= 5, `${label}: iat is now - 60 (${payload.iat - now})`);
    ok(payload.exp > now && payload.exp <= now + 600, `${label}: exp within 10 minutes (${payload.exp - now})`);
    ok(payload.exp - payload.iat <= 660, `${label}: lifetime at most 11 minutes with the drift`);
  } catch (e) {
    ok(false, `${label}: verifies with the public key (${e.code}: ${e.message})`);
  }
  try {
    await jwtVerify(token, wrongKey, { algorithms: ["RS256"] });
    ok(false, `${label}: rejected with another key`);
  } catch (e) {
    ok(e.code === "ERR_JWS_SIGNATURE_VERIFICATION_FAILED", `${label}: rejected with another key (${e.code})`);
  }
  try {
    await jwtVerify(token, key, {
      algorithms: ["RS256"],
      currentDate: new Date((decodeJwt(token).exp + 1) * 1000),
    });
    ok(false, `${label}: rejected once expired`);
  } catch (e) {
    ok(e.code === "ERR_JWT_EXPIRED", `${label}: rejected once expired (${e.code})`);
  }
  // A token tampered with (claims changed, signature kept) must fail too.
  const [h, , s] = token.split(".");
  const forged = Buffer.from(JSON.stringify({ ...decodeJwt(token), iss: "999" })).toString("base64url");
  try {
    await jwtVerify(`${h}.${forged}.${s}`, key, { algorithms: ["RS256"] });
    ok(false, `${label}: a forged claim is rejected`);
  } catch (e) {
    ok(e.code === "ERR_JWS_SIGNATURE_VERIFICATION_FAILED", `${label}: a forged claim is rejected`);
  }
  ok(decodeProtectedHeader(token).typ === "JWT", `${label}: typ JWT`);
}
