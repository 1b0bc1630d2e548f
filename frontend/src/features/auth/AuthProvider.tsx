// Who is signed in, which organization they are looking at, and how to get a token.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { configureClient, type ApiError } from "../../api/client";
import { getMe } from "../../api/endpoints";
import { getSupabase, supabaseConfigured } from "../../api/supabase";
import type { Me, Org } from "../../api/types";
import { loadStoredToken, parseHashToken, storeToken } from "./token";

type Status = "loading" | "signed-out" | "signed-in" | "error";

interface AuthState {
  status: Status;
  me: Me | null;
  org: Org | null;
  notice: string | null;
  error: unknown;
  selectOrg: (id: string) => void;
  signOut: (notice?: string) => void;
  signInWithToken: (token: string) => void;
  retry: () => void;
}

const Ctx = createContext<AuthState | null>(null);
const ORG_KEY = "driftlock.org";

export function useAuth(): AuthState {
  const v = useContext(Ctx);
  if (!v) throw new Error("useAuth outside AuthProvider");
  return v;
}

/** Reads a sign-in token from the URL hash (local sign-in) and removes it from the address bar. */
function takeHashToken(): string | null {
  if (supabaseConfigured) return null; // production: supabase-js reads its own redirect
  const token = parseHashToken(window.location.hash);
  if (token) window.history.replaceState(null, "", window.location.pathname + window.location.search);
  return token;
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<Status>("loading");
  const [me, setMe] = useState<Me | null>(null);
  const [orgId, setOrgId] = useState<string | null>(() => localStorage.getItem(ORG_KEY));
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const tokenRef = useRef<string | null>(null);
  const orgRef = useRef<string | null>(orgId);

  const signOut = useCallback((msg?: string) => {
    storeToken(null);
    tokenRef.current = null;
    if (supabaseConfigured) void getSupabase().then((s) => s.auth.signOut()).catch(() => {});
    setMe(null);
    setNotice(msg ?? null);
    setStatus("signed-out");
  }, []);

  useEffect(() => {
    configureClient({
      getToken: async () => {
        if (supabaseConfigured) {
          const { data } = await (await getSupabase()).auth.getSession();
          return data.session?.access_token ?? null;
        }
        return tokenRef.current;
      },
      getOrgId: () => orgRef.current,
      onUnauthorized: (err: ApiError) => signOut(`Your session has ended (${err.message}). Sign in again.`),
    });
  }, [signOut]);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      setStatus("loading");
      let hasSession = false;
      if (supabaseConfigured) {
        const sb = await getSupabase();
        const { data } = await sb.auth.getSession();
        hasSession = Boolean(data.session);
      } else {
        const fromHash = takeHashToken();
        if (fromHash) storeToken(fromHash);
        tokenRef.current = loadStoredToken();
        hasSession = Boolean(tokenRef.current);
      }
      if (!hasSession) {
        if (!cancelled) setStatus("signed-out");
        return;
      }
      try {
        const who = await getMe();
        if (cancelled) return;
        setMe(who);
        const chosen = who.orgs.find((o) => o.id === orgRef.current) ?? who.orgs[0] ?? null;
        orgRef.current = chosen?.id ?? null;
        setOrgId(chosen?.id ?? null);
        setStatus("signed-in");
      } catch (e) {
        if (cancelled) return;
        if ((e as ApiError)?.status === 401) return; // onUnauthorized already signed out
        setError(e);
        setStatus("error");
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [attempt]);

  // A sign-in link opened in a tab that already shows the dashboard only changes the hash.
  useEffect(() => {
    if (supabaseConfigured) return;
    const onHash = () => {
      const token = takeHashToken();
      if (token) {
        storeToken(token);
        setNotice(null);
        setAttempt((a) => a + 1);
      }
    };
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);

  useEffect(() => {
    if (!supabaseConfigured) return;
    let unsub: (() => void) | undefined;
    void getSupabase().then((sb) => {
      const { data } = sb.auth.onAuthStateChange((event) => {
        if (event === "SIGNED_IN") setAttempt((a) => a + 1);
        if (event === "SIGNED_OUT") setStatus("signed-out");
      });
      unsub = () => data.subscription.unsubscribe();
    });
    return () => unsub?.();
  }, []);

  const value = useMemo<AuthState>(() => ({
    status,
    me,
    org: me?.orgs.find((o) => o.id === orgId) ?? null,
    notice,
    error,
    selectOrg: (id) => {
      orgRef.current = id;
      localStorage.setItem(ORG_KEY, id);
      setOrgId(id);
    },
    signOut,
    signInWithToken: (token) => {
      storeToken(token.trim());
      setNotice(null);
      setAttempt((a) => a + 1);
    },
    retry: () => setAttempt((a) => a + 1),
  }), [status, me, orgId, notice, error, signOut]);

  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

/** Owners and admins manage keys and billing. */
export const canManage = (org: Org | null) => org?.role === "owner" || org?.role === "admin";

/** Viewers read; everyone else may change anomalies and streams. */
export const canWrite = (org: Org | null) => Boolean(org && org.role !== "viewer");
