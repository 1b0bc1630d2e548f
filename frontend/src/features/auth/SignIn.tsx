import { useState, type FormEvent } from "react";
import { getSupabase, supabaseConfigured } from "../../api/supabase";
import { Button, InlineError, inputClass } from "../../components/ui";
import { Logo } from "../../components/Logo";
import { useTitle } from "../../lib/router";
import { useAuth } from "./AuthProvider";

export function SignInPage() {
  useTitle("Sign in");
  const { notice } = useAuth();
  return (
    <main id="main" className="flex min-h-screen items-center justify-center bg-slate-100 px-4 py-12">
      <div className="w-full max-w-md rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
        <Logo className="mb-6" />
        <h1 tabIndex={-1} id="page-title" className="text-xl font-semibold text-slate-900 outline-none">Sign in to DriftLock</h1>
        {notice && <p role="status" className="mt-3 rounded-md bg-amber-50 p-3 text-sm text-amber-900">{notice}</p>}
        {supabaseConfigured ? <SupabaseForm /> : <LocalSignIn />}
      </div>
    </main>
  );
}

function SupabaseForm() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [sent, setSent] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const sb = await getSupabase();
      if (password) {
        const { error: err } = await sb.auth.signInWithPassword({ email, password });
        if (err) throw err;
      } else {
        const { error: err } = await sb.auth.signInWithOtp({ email, options: { emailRedirectTo: window.location.origin } });
        if (err) throw err;
        setSent(true);
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="mt-6 space-y-4" onSubmit={submit}>
      <div>
        <label htmlFor="email" className="text-sm font-medium text-slate-800">Email</label>
        <input id="email" type="email" required autoComplete="email" className={`mt-1 ${inputClass}`} value={email} onChange={(e) => setEmail(e.target.value)} />
      </div>
      <div>
        <label htmlFor="password" className="text-sm font-medium text-slate-800">Password <span className="font-normal text-slate-600">(leave empty to get a sign-in link)</span></label>
        <input id="password" type="password" autoComplete="current-password" className={`mt-1 ${inputClass}`} value={password} onChange={(e) => setPassword(e.target.value)} />
      </div>
      <Button type="submit" variant="primary" busy={busy} className="w-full">{password ? "Sign in" : "Email me a sign-in link"}</Button>
      {sent && <p role="status" className="text-sm text-emerald-800">Check your inbox for the sign-in link.</p>}
      <InlineError error={error} />
    </form>
  );
}

function LocalSignIn() {
  const { signInWithToken } = useAuth();
  const [token, setToken] = useState("");
  return (
    <div className="mt-4 space-y-4 text-sm text-slate-700">
      <p>
        This build has no Supabase project configured. For local development, open the sign-in link that{" "}
        <code className="rounded bg-slate-100 px-1">scripts/dev</code> prints, or paste an access token below.
      </p>
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) signInWithToken(token);
        }}
      >
        <label htmlFor="token" className="block font-medium text-slate-800">Access token</label>
        <textarea id="token" rows={3} className={`${inputClass} font-mono text-xs`} value={token} onChange={(e) => setToken(e.target.value)} />
        <Button type="submit" variant="primary" className="w-full">Sign in with token</Button>
      </form>
    </div>
  );
}
