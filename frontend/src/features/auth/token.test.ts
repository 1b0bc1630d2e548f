import { describe, expect, it } from "vitest";
import { decodeJwt, isExpired, loadStoredToken, parseHashToken, storeToken } from "./token";

const b64url = (s: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(s))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const jwt = (claims: object) => `e30.${b64url(JSON.stringify(claims))}.sig`;

function memoryStorage() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k) };
}

describe("hash sign-in token", () => {
  it("reads Supabase's implicit-flow hash", () => {
    expect(parseHashToken("#access_token=abc.def.ghi&token_type=bearer&expires_in=3600")).toBe("abc.def.ghi");
    expect(parseHashToken("#access_token=abc")).toBe("abc");
    expect(parseHashToken("#/streams")).toBeNull();
    expect(parseHashToken("#access_token=abc&token_type=mac")).toBeNull();
  });

  it("decodes claims (including non-ASCII) and knows when they expired", () => {
    const claims = decodeJwt(jwt({ sub: "u1", email: "dé@x.dev", exp: 100 }));
    expect(claims).toMatchObject({ sub: "u1", email: "dé@x.dev" });
    expect(isExpired(claims, 200_000)).toBe(true);
    expect(isExpired({ exp: 1000 }, 10_000)).toBe(false);
    expect(decodeJwt("garbage")).toBeNull();
    expect(isExpired(null)).toBe(true);
  });

  it("stores the token and drops it once expired", () => {
    const s = memoryStorage();
    const live = jwt({ exp: Math.floor(Date.now() / 1000) + 3600 });
    storeToken(live, s);
    expect(loadStoredToken(s)).toBe(live);
    storeToken(jwt({ exp: 1 }), s);
    expect(loadStoredToken(s)).toBeNull();
    expect(s.getItem("driftlock.access_token")).toBeNull();
  });
});
