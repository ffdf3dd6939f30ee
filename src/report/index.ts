/** The HTML report and its plots (browser-safe: no Node imports anywhere under src/report/). */
export type { ReportInput } from './types.js';
export { renderReportHtml } from './html.js';
export { renderPlotsSvg } from './plots.js';
export { reportViews, type ReportView, type ReportViews } from './views.js';
export { REPORT_CSS } from './style.js';
export { escapeMarkup } from './escape.js';
export { histogram, defaultBinCount, type Histogram } from './histogram.js';
export { subsampleRows, type Subsample } from './subsample.js';
export { niceTicks, logTicks } from './ticks.js';
export { Plot, type AxisOptions, type LegendItem, type LineStyle } from './svg.js';
