// A uPlot chart as a Preact component: `data` is uPlot's [[x…], [y…], …] (x in seconds).
// Redrawn when the data or the title (so the language) change; sized to its container. Times
// are written in the UI's language and the browser's time zone, not uPlot's English defaults.
import { locale } from './i18n.js';
import { html, useEffect, useRef, uPlot } from './vendor.js';

const DAY = 86400;

// Tick labels for a time axis spanning `span` seconds: days and months past two days, else
// hours (with the weekday past one day).
function timeTicks(splits, span) {
  const options =
    span > 2 * DAY
      ? { day: 'numeric', month: 'short' }
      : span > DAY
        ? { weekday: 'short', hour: '2-digit', minute: '2-digit' }
        : { hour: '2-digit', minute: '2-digit' };
  const format = new Intl.DateTimeFormat(locale(), options);
  return splits.map((s) => format.format(new Date(s * 1000)));
}

// The moment under the cursor, in the legend.
function timeValue(v) {
  if (v == null) return '—';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(v * 1000));
}

export function Chart({ title, series, data, height = 260, valueFormat = (v) => String(v) }) {
  const box = useRef(null);
  useEffect(() => {
    if (!box.current || !data || data[0].length === 0) return undefined;
    const plot = new uPlot(
      {
        title,
        width: Math.max(320, box.current.clientWidth),
        height,
        series: [
          { value: (u, v) => timeValue(v) },
          ...series.map((s) => ({ stroke: '#0b5cad', width: 2, ...s, value: (u, v) => (v == null ? '—' : valueFormat(v)) })),
        ],
        axes: [
          { values: (u, splits) => timeTicks(splits, u.scales.x.max - u.scales.x.min), size: 50 },
          { values: (u, values) => values.map(valueFormat), size: 70 },
        ],
      },
      data,
      box.current,
    );
    return () => plot.destroy();
  }, [data, title]);
  return html`<div class="chart" ref=${box} role="img" aria-label=${title}></div>`;
}
