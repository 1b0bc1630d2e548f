// The usage chart (uPlot, loaded only on this page): detections to date against the plan's
// included amount, with the 70/90/100/120% alert lines.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatCompact, formatInt } from "../../lib/format";
import { thresholdColor, type UsageSeries } from "../../lib/usage";

export default function UsageChart({ series, included }: { series: UsageSeries; included: number }) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const data: uPlot.AlignedData = [
      series.x,
      series.cumulative,
      ...series.thresholds.map((t) => series.x.map(() => t.value)),
    ];
    const top = Math.max(...series.thresholds.map((t) => t.value), ...series.cumulative.map((v) => v ?? 0)) * 1.08 || 10;
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height: 280,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: [0, top] } },
      axes: [
        { stroke: "#334155", grid: { stroke: "#e2e8f0" }, ticks: { stroke: "#cbd5e1" } },
        { stroke: "#334155", grid: { stroke: "#e2e8f0" }, ticks: { stroke: "#cbd5e1" }, size: 56, values: (_u, vals) => vals.map((v) => formatCompact(v)) },
      ],
      series: [
        {},
        { label: "Detections to date", stroke: "#4338ca", width: 2.5, fill: "rgba(67,56,202,0.08)", points: { show: false } },
        ...series.thresholds.map((t) => ({
          label: `${t.percent}% (${formatInt(t.value)})`,
          stroke: thresholdColor(t.percent),
          width: 1.5,
          dash: [6, 4],
          points: { show: false },
        })),
      ],
      hooks: {
        draw: [
          (u: uPlot) => {
            const ctx = u.ctx;
            ctx.save();
            ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
            ctx.textAlign = "right";
            ctx.textBaseline = "bottom";
            for (const t of series.thresholds) {
              const y = u.valToPos(t.value, "y", true);
              ctx.fillStyle = thresholdColor(t.percent);
              ctx.fillText(`${t.percent}%`, u.bbox.left + u.bbox.width - 4, y - 2);
            }
            ctx.restore();
          },
        ],
      },
    };
    const plot = new uPlot(opts, data, el);
    const ro = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: 280 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [series, included]);

  const last = [...series.cumulative].reverse().find((v) => v !== null) ?? 0;
  return (
    <figure className="mt-2">
      <div
        ref={box}
        role="img"
        aria-label={`Chart: ${formatInt(last)} detections so far this period against ${formatInt(included)} included; lines at ${series.thresholds.map((t) => `${t.percent}%`).join(", ")}.`}
        data-testid="usage-chart"
        data-thresholds={series.thresholds.map((t) => t.percent).join(",")}
        className="w-full"
      />
    </figure>
  );
}
