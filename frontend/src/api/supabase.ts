// Supabase Auth for production sign-in. Loaded on demand so local builds (no Supabase
// project configured) never download supabase-js.
import type { SupabaseClient } from "@supabase/supabase-js";

const URL_ = String(import.meta.env.VITE_SUPABASE_URL || "");
const ANON = String(import.meta.env.VITE_SUPABASE_ANON_KEY || "");

export const supabaseConfigured = Boolean(URL_ && ANON);

let client: Promise<SupabaseClient> | null = null;

export function getSupabase(): Promise<SupabaseClient> {
  if (!supabaseConfigured) return Promise.reject(new Error("Supabase is not configured for this build."));
  client ??= import("@supabase/supabase-js").then(({ createClient }) =>
    createClient(URL_, ANON, { auth: { persistSession: true, autoRefreshToken: true, detectSessionInUrl: true } }),
  );
  return client;
}
