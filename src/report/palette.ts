/** Colours shared by the plots and the HTML: colour-blind-safe blue/orange for normal vs anomalous. */
export const COLORS = {
  normal: '#3b75af',
  anomaly: '#e8601c',
  neutral: '#8aa4c2',
  threshold: '#222222',
  chance: '#9a9a9a',
  grid: '#e4e4e4',
  axis: '#444444',
  text: '#222222',
  muted: '#666666',
} as const;
