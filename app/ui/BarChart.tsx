import { useId } from "react";

/**
 * A server-rendered bar chart: plain SVG (no chart library, no JavaScript),
 * announced as one image with a text summary, and the same numbers as a table
 * for anyone who prefers or needs them. Callers pass translated strings.
 */
interface BarDatum {
  label: string;
  value: number;
  /** How the value reads (e.g. "12.5%"); the number itself by default. */
  display?: string;
}

export interface BarChartProps {
  title: string;
  /** One or two sentences saying what the chart shows; read with the image. */
  summary: string;
  data: BarDatum[];
  /** "vertical": one column per item (time series); "horizontal": one row per item (comparisons). */
  orientation?: "vertical" | "horizontal";
  /** Column headers of the data table. */
  labelHeader: string;
  valueHeader: string;
  /** Text of the control that shows the table. */
  tableToggle: string;
  /** Only every n-th label is drawn under a vertical chart (all are in the table). */
  labelEvery?: number;
  /** Upper bound of the value axis; the largest value by default. */
  max?: number;
}

// viewBox widths: a time series is drawn small (several side by side), a comparison wider.
const VERTICAL_WIDTH = 360;
const WIDTH = 640;
const BAR_ROW = 28;

export function BarChart({
  title,
  summary,
  data,
  orientation = "vertical",
  labelHeader,
  valueHeader,
  tableToggle,
  labelEvery = 1,
  max,
}: BarChartProps) {
  const id = useId().replace(/:/g, "");
  const top = Math.max(max ?? 0, ...data.map((d) => d.value), 0);
  const bars = { id, title, summary, data, top };
  return (
    <figure className="bar-chart" aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`}>{title}</figcaption>
      {orientation === "vertical" ? (
        <VerticalBars {...bars} labelEvery={labelEvery} />
      ) : (
        <HorizontalBars {...bars} />
      )}
      <BarTable
        title={title}
        data={data}
        labelHeader={labelHeader}
        valueHeader={valueHeader}
        tableToggle={tableToggle}
      />
    </figure>
  );
}

/** What both drawings need: the ids the image is labelled by, its text, the data, and the axis' top. */
interface BarsProps {
  id: string;
  title: string;
  summary: string;
  data: BarDatum[];
  top: number;
}

const scaled = (value: number, top: number, length: number) =>
  top > 0 ? (Math.max(0, value) / top) * length : 0;
const text = (d: BarDatum) => d.display ?? String(d.value);

/** The same numbers as a table, behind a disclosure. */
function BarTable({
  title,
  data,
  labelHeader,
  valueHeader,
  tableToggle,
}: Pick<BarChartProps, "title" | "data" | "labelHeader" | "valueHeader" | "tableToggle">) {
  return (
    <details className="bar-chart-table">
      <summary>{tableToggle}</summary>
      <table className="staff-table">
        <caption className="visually-hidden">{title}</caption>
        <thead>
          <tr>
            <th scope="col">{labelHeader}</th>
            <th scope="col">{valueHeader}</th>
          </tr>
        </thead>
        <tbody>
          {data.map((d) => (
            <tr key={d.label}>
              <th scope="row">{d.label}</th>
              <td>{text(d)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/** One column per item, with the axis' top and zero, and every `labelEvery`-th label under it. */
function VerticalBars({ id, title, summary, data, top, labelEvery }: BarsProps & { labelEvery: number }) {
  const height = 170;
  const left = 30;
  const bottom = 22;
  const plotWidth = VERTICAL_WIDTH - left - 8;
  const plotHeight = height - bottom - 12;
  const step = data.length ? plotWidth / data.length : plotWidth;
  return (
    <svg
      viewBox={`0 0 ${VERTICAL_WIDTH} ${height}`}
      role="img"
      aria-labelledby={`${id}-title ${id}-desc`}
      className="bar-chart-svg"
      preserveAspectRatio="xMidYMid meet"
    >
      <title id={`${id}-title`}>{title}</title>
      <desc id={`${id}-desc`}>{summary}</desc>
      <text x={left - 6} y={12 + 4} textAnchor="end" className="bar-chart-axis">
        {top}
      </text>
      <text x={left - 6} y={12 + plotHeight} textAnchor="end" className="bar-chart-axis">
        0
      </text>
      <line
        x1={left}
        x2={VERTICAL_WIDTH - 8}
        y1={12 + plotHeight}
        y2={12 + plotHeight}
        className="bar-chart-baseline"
      />
      {data.map((d, i) => {
        const h = scaled(d.value, top, plotHeight);
        const x = left + i * step + step * 0.15;
        return (
          <g key={d.label}>
            <rect x={x} y={12 + plotHeight - h} width={step * 0.7} height={h} className="bar-chart-bar">
              <title>{`${d.label}: ${text(d)}`}</title>
            </rect>
            {i % labelEvery === 0 ? (
              <text x={x + step * 0.35} y={height - 6} textAnchor="middle" className="bar-chart-axis">
                {d.label}
              </text>
            ) : null}
          </g>
        );
      })}
    </svg>
  );
}

/** One row per item: its label, the bar, and the value read out beside it. */
function HorizontalBars({ id, title, summary, data, top }: BarsProps) {
  const labelWidth = 200;
  const valueWidth = 90;
  const height = Math.max(1, data.length) * BAR_ROW + 8;
  const plotWidth = WIDTH - labelWidth - valueWidth;
  return (
    <svg
      viewBox={`0 0 ${WIDTH} ${height}`}
      role="img"
      aria-labelledby={`${id}-title ${id}-desc`}
      className="bar-chart-svg horizontal"
      preserveAspectRatio="xMinYMid meet"
    >
      <title id={`${id}-title`}>{title}</title>
      <desc id={`${id}-desc`}>{summary}</desc>
      {data.map((d, i) => {
        const y = 4 + i * BAR_ROW;
        const w = scaled(d.value, top, plotWidth);
        return (
          <g key={d.label}>
            <text x={labelWidth - 8} y={y + BAR_ROW / 2 + 4} textAnchor="end" className="bar-chart-label">
              {d.label}
            </text>
            <rect x={labelWidth} y={y + 4} width={w} height={BAR_ROW - 8} className="bar-chart-bar" />
            <text x={labelWidth + w + 6} y={y + BAR_ROW / 2 + 4} className="bar-chart-label">
              {text(d)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
