// A uPlot chart as a Preact component: `data` is uPlot's [[x…], [y…], …] (x in seconds).
// Redrawn when the data change; sized to its container.
import { html, useEffect, useRef, uPlot } from './vendor.js';

export function Chart({ title, series, data, height = 260, valueFormat = (v) => String(v) }) {
  const box = useRef(null);
  useEffect(() => {
    if (!box.current || !data || data[0].length === 0) return undefined;
    const plot = new uPlot(
      {
        title,
        width: Math.max(320, box.current.clientWidth),
        height,
        series: [{}, ...series.map((s) => ({ stroke: '#0b5cad', width: 2, ...s, value: (u, v) => (v == null ? '—' : valueFormat(v)) }))],
        axes: [{}, { values: (u, values) => values.map(valueFormat), size: 70 }],
      },
      data,
      box.current,
    );
    return () => plot.destroy();
  }, [data, title]);
  return html`<div class="chart" ref=${box} role="img" aria-label=${title}></div>`;
}
