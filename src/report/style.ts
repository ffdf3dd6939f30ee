/** The report's inline stylesheet: system fonts only, so the file renders the same offline. */
import { COLORS } from './palette.js';

export const REPORT_CSS = `
*{box-sizing:border-box}
body{margin:0;background:#f4f5f7;color:${COLORS.text};font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:1200px;margin:0 auto;padding:24px 24px 40px}
header h1{margin:0 0 4px;font-size:24px}
.meta{margin:0 0 16px;color:${COLORS.muted}}
header,section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:16px 20px;margin:0 0 18px}
h2{margin:0 0 12px;font-size:18px}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(500px,1fr));gap:16px}
figure{margin:0}
figure svg{display:block;max-width:100%;height:auto}
figcaption{margin-top:6px;color:${COLORS.muted};font-size:13px;max-width:560px}
h3{margin:16px 0 0;font-size:15px}
table{border-collapse:collapse}
th,td{padding:4px 10px;text-align:left;vertical-align:top;border-bottom:1px solid #e7e9ec}
th{font-weight:600}
table.summary th{color:${COLORS.muted};font-weight:500;white-space:nowrap}
.confusion-wrap{display:flex;gap:32px;align-items:flex-start;flex-wrap:wrap;margin-top:12px}
table.confusion td{font-variant-numeric:tabular-nums;min-width:120px}
td.tp,td.tn{background:#eef5ec}
td.fp,td.fn{background:#fbeee8}
table.rates td{font-variant-numeric:tabular-nums}
table.top{width:100%}
table.top td{font-variant-numeric:tabular-nums}
table.top th[data-sort]{cursor:pointer;white-space:nowrap}
table.top th[aria-sort=ascending]::after{content:" \\25B2"}
table.top th[aria-sort=descending]::after{content:" \\25BC"}
ul.contributions{list-style:none;margin:0;padding:0}
ul.contributions li{display:flex;align-items:center;gap:8px;white-space:nowrap}
.bar-slot{display:inline-block;width:90px;flex:none}
.bar{display:block;height:10px;border-radius:2px}
.bar.pos{background:${COLORS.anomaly}}
.bar.neg{background:${COLORS.normal}}
.contrib{min-width:56px;text-align:right;color:${COLORS.muted}}
.feature{font-weight:600}
li.more,.note{color:${COLORS.muted}}
footer{color:${COLORS.muted};font-size:12px;text-align:center}
`;
