// Small shared building blocks: buttons, cards, badges and the loading / empty / error states.
import type { ButtonHTMLAttributes, ReactNode } from "react";
import { ApiError } from "../api/client";
import type { AnomalyStatus, Severity } from "../api/types";
import { titleCase } from "../lib/format";

type Variant = "primary" | "secondary" | "danger" | "ghost";

const variants: Record<Variant, string> = {
  primary: "bg-indigo-700 text-white hover:bg-indigo-800 border-indigo-700",
  secondary: "bg-white text-slate-900 hover:bg-slate-100 border-slate-300",
  danger: "bg-white text-red-800 hover:bg-red-50 border-red-300",
  ghost: "bg-transparent text-slate-800 hover:bg-slate-100 border-transparent",
};

export function Button({ variant = "secondary", className = "", busy, children, disabled, ...rest }:
  ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant; busy?: boolean }) {
  return (
    <button
      type="button"
      {...rest}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
      className={`inline-flex min-h-9 items-center justify-center gap-2 rounded-md border px-3 py-1.5 text-sm font-medium
        shadow-sm transition-colors disabled:cursor-not-allowed disabled:opacity-60 ${variants[variant]} ${className}`}
    >
      {busy && <Spinner small />}
      {children}
    </button>
  );
}

export function Card({ title, actions, children, className = "", headingLevel = 2 }:
  { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string; headingLevel?: 2 | 3 }) {
  const H = headingLevel === 2 ? "h2" : "h3";
  return (
    <section className={`rounded-lg border border-slate-200 bg-white shadow-sm ${className}`}>
      {(title || actions) && (
        <div className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 px-4 py-3">
          {title && <H className="text-base font-semibold text-slate-900">{title}</H>}
          {actions}
        </div>
      )}
      <div className="p-4">{children}</div>
    </section>
  );
}

export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-3">
      <div className="min-w-0">
        <h1 tabIndex={-1} id="page-title" className="text-2xl font-semibold tracking-tight text-slate-900 outline-none">{title}</h1>
        {subtitle && <p className="mt-1 text-sm text-slate-600">{subtitle}</p>}
      </div>
      {actions && <div className="flex flex-wrap gap-2">{actions}</div>}
    </div>
  );
}

const severityTone: Record<Severity, string> = {
  high: "bg-red-100 text-red-900 ring-red-300",
  medium: "bg-amber-100 text-amber-900 ring-amber-300",
  low: "bg-sky-100 text-sky-900 ring-sky-300",
};

const statusTone: Record<AnomalyStatus, string> = {
  open: "bg-rose-50 text-rose-900 ring-rose-300",
  acknowledged: "bg-violet-50 text-violet-900 ring-violet-300",
  resolved: "bg-emerald-50 text-emerald-900 ring-emerald-300",
  dismissed: "bg-slate-100 text-slate-800 ring-slate-300",
};

export function Badge({ children, tone = "bg-slate-100 text-slate-800 ring-slate-300" }: { children: ReactNode; tone?: string }) {
  return <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${tone}`}>{children}</span>;
}

export function SeverityBadge({ severity }: { severity: Severity }) {
  return <Badge tone={severityTone[severity] ?? undefined}><span className="sr-only">Severity: </span>{titleCase(severity)}</Badge>;
}

export function StatusBadge({ status }: { status: AnomalyStatus }) {
  return <Badge tone={statusTone[status] ?? undefined}><span className="sr-only">Status: </span>{titleCase(status)}</Badge>;
}

export function Spinner({ small }: { small?: boolean }) {
  return (
    <span
      aria-hidden="true"
      className={`inline-block animate-spin rounded-full border-2 border-current border-r-transparent ${small ? "h-3.5 w-3.5" : "h-5 w-5"}`}
    />
  );
}

export function Loading({ label = "Loading" }: { label?: string }) {
  return (
    <div role="status" className="flex items-center gap-3 py-10 text-sm text-slate-700">
      <Spinner /> {label}…
    </div>
  );
}

export function Skeleton({ rows = 3 }: { rows?: number }) {
  return (
    <div role="status" aria-label="Loading" className="space-y-3 py-2">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="h-12 animate-pulse rounded-md bg-slate-200/70" />
      ))}
    </div>
  );
}

export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-10 text-center">
      <p className="text-base font-medium text-slate-900">{title}</p>
      {children && <div className="mx-auto mt-2 max-w-prose text-sm text-slate-700">{children}</div>}
      {action && <div className="mt-4">{action}</div>}
    </div>
  );
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return error.message;
    if (error.status === 403) return `You don't have access to this (${error.message}).`;
    if (error.status === 503) return `The service is temporarily unavailable${error.retryAfter ? `; try again in ${error.retryAfter} s` : ""}.`;
    return error.message;
  }
  return error instanceof Error ? error.message : "Something went wrong.";
}

export function ErrorState({ error, onRetry, title = "Could not load this" }: { error: unknown; onRetry?: () => void; title?: string }) {
  const rid = error instanceof ApiError ? error.requestId : null;
  return (
    <div role="alert" className="rounded-lg border border-red-200 bg-red-50 px-4 py-4 text-sm text-red-900">
      <p className="font-semibold">{title}</p>
      <p className="mt-1">{errorText(error)}</p>
      {rid && <p className="mt-1 text-xs text-red-800">Request ID: <code>{rid}</code></p>}
      {onRetry && <Button className="mt-3" onClick={onRetry}>Try again</Button>}
    </div>
  );
}

export function InlineError({ error }: { error: unknown }) {
  if (!error) return null;
  return <p role="alert" className="mt-2 text-sm text-red-800">{errorText(error)}</p>;
}

export function Stat({ label, value, hint }: { label: string; value: ReactNode; hint?: ReactNode }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <dt className="text-sm text-slate-600">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold tabular-nums text-slate-900">{value}</dd>
      {hint && <dd className="mt-1 text-xs text-slate-600">{hint}</dd>}
    </div>
  );
}

export const inputClass =
  "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm placeholder:text-slate-500";
