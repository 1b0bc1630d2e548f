// The feed's data: the first page for the current filters, then live updates merged in.
import { useCallback, useEffect, useRef, useState } from "react";
import { listAnomalies } from "../../api/endpoints";
import { startLiveFeed, type LiveMode } from "../../api/live";
import type { Anomaly, AnomalyFilters } from "../../api/types";
import { mergeAnomalies, newestSeq } from "../../lib/feed";

export function useLiveAnomalies(filters: AnomalyFilters) {
  const [items, setItems] = useState<Anomaly[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [mode, setMode] = useState<LiveMode>("connecting");
  const [fresh, setFresh] = useState<{ ids: Set<string>; last: Anomaly | null }>({ ids: new Set(), last: null });
  const [tick, setTick] = useState(0);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const itemsRef = useRef(items);
  itemsRef.current = items;
  const key = `${filters.stream ?? ""}|${filters.severity ?? ""}|${filters.status ?? ""}|${filters.since ?? ""}`;

  useEffect(() => {
    const ctl = new AbortController();
    setLoading(true);
    setError(null);
    listAnomalies(filtersRef.current, { limit: 50, signal: ctl.signal }).then(
      (page) => {
        if (ctl.signal.aborted) return;
        setItems(mergeAnomalies([], page.data, filtersRef.current));
        setCursor(page.next_cursor);
        setLoading(false);
      },
      (e) => {
        if (ctl.signal.aborted) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => ctl.abort();
  }, [key, tick]);

  // One live connection for the page's lifetime; filters apply as events arrive.
  const started = useRef(false);
  useEffect(() => {
    if (loading || error || started.current) return;
    started.current = true;
    const stop = startLiveFeed({
      lastEventId: newestSeq(itemsRef.current),
      onMode: setMode,
      onAnomaly: (a) => {
        const known = itemsRef.current.some((x) => x.id === a.id);
        setItems((prev) => mergeAnomalies(prev, [a], filtersRef.current, Math.max(500, prev.length + 1)));
        if (!known) setFresh((f) => ({ ids: new Set(f.ids).add(a.id), last: a }));
      },
    });
    return () => {
      stop();
      started.current = false;
    };
  }, [loading, error]);

  const loadMore = useCallback(async () => {
    if (!cursor) return;
    setLoadingMore(true);
    try {
      const page = await listAnomalies(filtersRef.current, { cursor, limit: 50 });
      setItems((prev) => mergeAnomalies(prev, page.data, filtersRef.current, 5000));
      setCursor(page.next_cursor);
    } catch (e) {
      setError(e);
    } finally {
      setLoadingMore(false);
    }
  }, [cursor]);

  return { items, loading, error, mode, fresh, cursor, loadMore, loadingMore, reload: () => setTick((t) => t + 1) };
}
