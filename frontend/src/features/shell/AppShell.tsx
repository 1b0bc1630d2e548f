// The frame around every signed-in page: skip link, navigation, organization switcher.
import { useEffect, useRef, type ReactNode } from "react";
import { Logo } from "../../components/Logo";
import { Link, useLocation } from "../../lib/router";
import { useAuth } from "../auth/AuthProvider";

const NAV: { href: string; label: string; match: (p: string) => boolean }[] = [
  { href: "/", label: "Live feed", match: (p) => p === "/" || p.startsWith("/anomalies") },
  { href: "/streams", label: "Streams", match: (p) => p.startsWith("/streams") },
  { href: "/usage", label: "Usage", match: (p) => p.startsWith("/usage") },
  { href: "/billing", label: "Billing", match: (p) => p.startsWith("/billing") },
  { href: "/api-keys", label: "API keys", match: (p) => p.startsWith("/api-keys") },
];

export function AppShell({ children }: { children: ReactNode }) {
  const { path } = useLocation();
  const { me, org, selectOrg, signOut } = useAuth();

  // Move focus to the new page's heading after client-side navigation (not on first load).
  // Pages swap their loading header for the loaded one, so keep the focus on the heading
  // for a moment while the page settles, unless the user has moved it elsewhere.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const lost = () => !document.activeElement || document.activeElement === document.body || !!(document.activeElement as HTMLElement).closest("nav");
    const focusTitle = () => {
      const h = document.getElementById("page-title");
      if (h && h !== document.activeElement && lost()) h.focus();
    };
    const t = setTimeout(focusTitle, 0);
    const main = document.getElementById("main");
    const mo = new MutationObserver(focusTitle);
    if (main) mo.observe(main, { childList: true, subtree: true });
    const stop = setTimeout(() => mo.disconnect(), 3000);
    return () => {
      clearTimeout(t);
      clearTimeout(stop);
      mo.disconnect();
    };
  }, [path]);

  return (
    <div className="min-h-screen bg-slate-100 lg:flex">
      <a href="#main" className="sr-only z-50 rounded-md bg-white px-3 py-2 text-sm font-medium text-indigo-800 focus:not-sr-only focus:fixed focus:left-3 focus:top-3">
        Skip to content
      </a>
      <header className="bg-slate-900 text-slate-100 lg:w-60 lg:shrink-0 lg:self-stretch">
        <div className="lg:sticky lg:top-0 lg:flex lg:h-screen lg:flex-col">
        <div className="flex items-center justify-between gap-3 px-4 py-3 lg:py-5">
          <Logo inverted />
        </div>
        <nav aria-label="Main" className="px-1.5 pb-2 lg:flex-1 lg:px-2 lg:pb-0">
          <ul className="flex flex-wrap gap-0.5 sm:gap-1 lg:flex-col lg:flex-nowrap">
            {NAV.map((n) => {
              const active = n.match(path);
              return (
                <li key={n.href}>
                  <Link
                    href={n.href}
                    aria-current={active ? "page" : undefined}
                    className={`block whitespace-nowrap rounded-md px-2 py-2 text-sm font-medium sm:px-3 ${
                      active ? "bg-slate-700 text-white" : "text-slate-200 hover:bg-slate-800 hover:text-white"
                    }`}
                  >
                    {n.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <div className="flex flex-wrap items-center gap-2 border-t border-slate-700 px-4 py-3 text-sm lg:block lg:space-y-3">
          {me && me.orgs.length > 1 ? (
            <div className="flex min-w-0 flex-1 items-center gap-2 lg:block">
              <label htmlFor="org" className="text-xs text-slate-300 lg:mb-1 lg:block">Organization</label>
              <select
                id="org"
                className="min-w-0 flex-1 rounded-md border border-slate-600 bg-slate-800 px-2 py-1.5 text-sm text-white lg:w-full"
                value={org?.id ?? ""}
                onChange={(e) => selectOrg(e.target.value)}
              >
                {me.orgs.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
              </select>
            </div>
          ) : (
            <p className="min-w-0 flex-1 truncate text-slate-200"><span className="sr-only">Organization: </span>{org?.name}</p>
          )}
          <div className="flex items-center gap-2 lg:justify-between">
            <span className="hidden truncate text-xs text-slate-300 sm:inline lg:max-w-36" title={me?.email}>{me?.email}</span>
            <button type="button" onClick={() => signOut()} className="rounded-md px-2 py-1 text-sm text-slate-200 underline-offset-2 hover:text-white hover:underline">
              Sign out
            </button>
          </div>
        </div>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="min-w-0 flex-1 px-4 py-6 outline-none sm:px-6 lg:px-10 lg:py-8">
        <div className="mx-auto max-w-6xl">{children}</div>
      </main>
    </div>
  );
}
