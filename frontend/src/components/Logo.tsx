export function Logo({ className = "", inverted }: { className?: string; inverted?: boolean }) {
  return (
    <div className={`flex items-center gap-2 ${className}`}>
      <svg aria-hidden="true" viewBox="0 0 32 32" className="h-7 w-7">
        <rect width="32" height="32" rx="7" fill="#4338ca" />
        <path d="M5 20h5l3-9 4 14 3-8h7" fill="none" stroke="#fff" strokeWidth="2.4" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
      <span className={`text-lg font-semibold tracking-tight ${inverted ? "text-white" : "text-slate-900"}`}>DriftLock</span>
    </div>
  );
}
