import { Suspense } from "react";
import { Button, ErrorState, Loading } from "./components/ui";
import { AuthProvider, useAuth } from "./features/auth/AuthProvider";
import { SignInPage } from "./features/auth/SignIn";
import { AppShell } from "./features/shell/AppShell";
import { FeedPage } from "./features/feed/FeedPage";
import { AnomalyPage } from "./features/anomaly/AnomalyPage";
import { StreamsPage } from "./features/streams/StreamsPage";
import { UsagePage } from "./features/usage/UsagePage";
import { BillingPage } from "./features/billing/BillingPage";
import { ApiKeysPage } from "./features/api-keys/ApiKeysPage";
import { Link, matchRoute, useLocation, useTitle } from "./lib/router";


const ROUTES: [string, string][] = [
  ["feed", "/"],
  ["anomaly", "/anomalies/:id"],
  ["streams", "/streams"],
  ["usage", "/usage"],
  ["billing", "/billing"],
  ["keys", "/api-keys"],
];

function Pages() {
  const { path } = useLocation();
  const route = matchRoute(path, ROUTES);
  switch (route?.name) {
    case "feed": return <FeedPage />;
    case "anomaly": return <AnomalyPage id={route.params.id} />;
    case "streams": return <StreamsPage />;
    case "usage": return <UsagePage />;
    case "billing": return <BillingPage />;
    case "keys": return <ApiKeysPage />;
    default: return <NotFound />;
  }
}

function NotFound() {
  useTitle("Not found");
  return (
    <div>
      <h1 tabIndex={-1} id="page-title" className="text-2xl font-semibold text-slate-900 outline-none">Page not found</h1>
      <p className="mt-2 text-slate-700">There is nothing at this address. <Link href="/" className="text-indigo-800 underline">Go to the live feed</Link>.</p>
    </div>
  );
}

function Gate() {
  const { status, org, error, retry, signOut } = useAuth();
  if (status === "loading") return <main id="main" className="mx-auto max-w-md p-8"><Loading label="Signing in" /></main>;
  if (status === "signed-out") return <SignInPage />;
  if (status === "error") {
    return (
      <main id="main" className="mx-auto max-w-lg p-8">
        <h1 className="mb-4 text-xl font-semibold text-slate-900">DriftLock</h1>
        <ErrorState title="Could not load your account" error={error} onRetry={retry} />
        <Button className="mt-3" variant="ghost" onClick={() => signOut()}>Sign out</Button>
      </main>
    );
  }
  if (!org) {
    return (
      <main id="main" className="mx-auto max-w-lg p-8">
        <h1 className="text-xl font-semibold text-slate-900">No organization yet</h1>
        <p className="mt-2 text-slate-700">Your account does not belong to any organization. Ask an owner to invite you.</p>
        <Button className="mt-4" onClick={() => signOut()}>Sign out</Button>
      </main>
    );
  }
  return (
    <AppShell>
      <Suspense fallback={<Loading />}>
        <Pages key={org.id} />
      </Suspense>
    </AppShell>
  );
}

export function App() {
  return (
    <AuthProvider>
      <Gate />
    </AuthProvider>
  );
}
