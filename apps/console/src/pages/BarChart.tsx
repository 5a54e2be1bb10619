// A plain SVG bar chart (no chart library): one row per group, a segment per series, each labelled.
export interface Series {
  key: string;
  label: string;
  color: string;
}

export function BarChart({ title, rows, series, testId }: { title: string; rows: { label: string; values: Record<string, number> }[]; series: Series[]; testId?: string }) {
  const max = Math.max(1, ...rows.map((r) => series.reduce((sum, s) => sum + (r.values[s.key] ?? 0), 0)));
  const rowHeight = 26;
  // Room for the longest label (a 要點 point and its title, about 12 px a character at this size).
  const labelWidth = Math.min(600, Math.max(120, ...rows.map((r) => r.label.length * 12 + 12)));
  const width = labelWidth + 520;
  const scale = (width - labelWidth - 60) / max;
  const height = rows.length * rowHeight + 10;
  const summary = rows.map((r) => `${r.label}:${series.map((s) => `${s.label} ${r.values[s.key] ?? 0}`).join('、')}`).join(';');
  return (
    <figure className="panel" data-testid={testId}>
      <figcaption><strong>{title}</strong></figcaption>
      <div className="legend" aria-hidden="true">
        {series.map((s) => (
          <span key={s.key}><i className="swatch" style={{ background: s.color }} />{s.label}</span>
        ))}
      </div>
      {rows.length === 0 ? (
        <p>無資料。</p>
      ) : (
        <svg role="img" aria-label={`${title}:${summary}`} viewBox={`0 0 ${width} ${height}`} width="100%">
          {rows.map((r, i) => {
            let x = labelWidth;
            const y = i * rowHeight + 4;
            return (
              <g key={r.label}>
                <text x={labelWidth - 8} y={y + 15} textAnchor="end" fontSize="12">{r.label}</text>
                {series.map((s) => {
                  const v = r.values[s.key] ?? 0;
                  const w = v * scale;
                  const rect = v > 0 ? <rect key={s.key} x={x} y={y} width={w} height={rowHeight - 8} fill={s.color}><title>{`${s.label} ${v}`}</title></rect> : null;
                  x += w;
                  return rect;
                })}
                <text x={x + 6} y={y + 15} fontSize="12">{series.reduce((sum, s) => sum + (r.values[s.key] ?? 0), 0)}</text>
              </g>
            );
          })}
        </svg>
      )}
    </figure>
  );
}
