// A tiny History-API router: the dashboard has six pages and needs nothing more.
import { useEffect, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from "react";

const listeners = new Set<() => void>();
const notify = () => listeners.forEach((l) => l());

function subscribe(l: () => void) {
  listeners.add(l);
  window.addEventListener("popstate", l);
  return () => {
    listeners.delete(l);
    window.removeEventListener("popstate", l);
  };
}

const snapshot = () => window.location.pathname + window.location.search;

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (opts.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  notify();
}

/** The current path and query. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const loc = useSyncExternalStore(subscribe, snapshot, () => "/");
  const i = loc.indexOf("?");
  return { path: i === -1 ? loc : loc.slice(0, i), query: new URLSearchParams(i === -1 ? "" : loc.slice(i)) };
}

export type Route = { name: string; params: Record<string, string> };

/** Matches "/anomalies/:id"-style patterns. */
export function matchRoute(path: string, routes: [string, string][]): Route | null {
  const parts = path.replace(/\/+$/, "").split("/").filter(Boolean);
  for (const [name, pattern] of routes) {
    const pp = pattern.split("/").filter(Boolean);
    if (pp.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    pp.forEach((p, i) => {
      if (p.startsWith(":")) params[p.slice(1)] = decodeURIComponent(parts[i]);
      else if (p !== parts[i]) ok = false;
    });
    if (ok) return { name, params };
  }
  return null;
}

export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={handle} {...rest} />;
}

/** Sets document.title for a page. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · DriftLock`;
  }, [title]);
}
