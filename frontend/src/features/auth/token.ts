// The local sign-in token: Supabase's implicit-flow hash (#access_token=...&token_type=bearer),
// kept in sessionStorage. Used when the build has no Supabase project configured.

export interface Claims {
  sub?: string;
  email?: string;
  exp?: number;
  role?: string;
}

const KEY = "driftlock.access_token";

/** Reads `access_token` from a URL hash such as "#access_token=eyJ...&token_type=bearer". */
export function parseHashToken(hash: string): string | null {
  const h = hash.startsWith("#") ? hash.slice(1) : hash;
  if (!h.includes("access_token=")) return null;
  const params = new URLSearchParams(h);
  const token = params.get("access_token");
  const type = params.get("token_type");
  if (!token || (type && type.toLowerCase() !== "bearer")) return null;
  return token;
}

export function decodeJwt(token: string): Claims | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const b64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
    const json = decodeURIComponent(
      Array.from(atob(b64), (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join(""),
    );
    const claims = JSON.parse(json);
    return claims && typeof claims === "object" ? (claims as Claims) : null;
  } catch {
    return null;
  }
}

/** True when the token has an `exp` in the past (with a little clock skew allowed). */
export function isExpired(claims: Claims | null, nowMs: number = Date.now()): boolean {
  if (!claims) return true;
  return typeof claims.exp === "number" && claims.exp * 1000 <= nowMs - 5000;
}

export function loadStoredToken(storage: Pick<Storage, "getItem" | "removeItem"> = sessionStorage): string | null {
  const t = storage.getItem(KEY);
  if (!t) return null;
  if (isExpired(decodeJwt(t))) {
    storage.removeItem(KEY);
    return null;
  }
  return t;
}

export function storeToken(token: string | null, storage: Pick<Storage, "setItem" | "removeItem"> = sessionStorage): void {
  if (token) storage.setItem(KEY, token);
  else storage.removeItem(KEY);
}
