/**
 * The web app: plain DOM code over the library's browser entry. The page parses the file (to show its schema),
 * a worker does the training and scoring (one worker per job; Cancel terminates it), and the report's own views
 * (src/report/views.ts) are re-rendered for the threshold the analyst drags.
 */
import {
  detectorEntry, detectorNames, inferSchema, labelsFromColumn, parameterDocs, parseTableBytes, REPORT_CSS, reportViews,
  type ReportInput, type ReportView, type Table,
} from '../../src/browser.js';
import type { DataFile, Job, JobMessage } from './protocol.js';
import './style.css';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`no #${id} in the page`);
  return el as T;
};
const el = {
  fileInput: $<HTMLInputElement>('file-input'), drop: $('drop'), fileInfo: $('file-info'), schemaBlock: $('schema-block'),
  labelSelect: $<HTMLSelectElement>('label-select'), schema: $<HTMLTableElement>('schema'),
  detectorSelect: $<HTMLSelectElement>('detector-select'), params: $<HTMLInputElement>('params-input'), detectorInfo: $('detector-info'),
  train: $<HTMLButtonElement>('train-button'), cancel: $<HTMLButtonElement>('cancel-button'), modelInput: $<HTMLInputElement>('model-input'),
  progress: $<HTMLProgressElement>('progress'), status: $('status'), message: $('message'),
  results: $('results'), downloadModel: $<HTMLAnchorElement>('download-model'), downloadScores: $<HTMLAnchorElement>('download-scores'),
  summary: $('summary'), slider: $<HTMLInputElement>('threshold-slider'), reset: $<HTMLButtonElement>('threshold-reset'),
  flagged: $('flagged-count'), thresholdValue: $('threshold-value'), scoreFigures: $('score-figures'), evaluation: $('evaluation'),
  embedding: $('embedding'), method: $('contribution-method'), top: $('top-anomalies'),
};

const SLIDER_STEPS = 1000;
const NO_LABEL = '';

interface Result { report: ReportInput; model: DataFile; csv: string; detector: string }
const state: {
  data: DataFile | null; table: Table | null; worker: Worker | null; result: Result | null;
  threshold: number; axis: [number, number]; pixels: { width: number; pixels: [number, number] }; urls: string[];
} = { data: null, table: null, worker: null, result: null, threshold: 0, axis: [0, 1], pixels: { width: 1, pixels: [0, 1] }, urls: [] };

// ---- status ------------------------------------------------------------------------------------------
type Status = 'idle' | 'loaded' | 'training' | 'scoring' | 'trained' | 'scored' | 'cancelled' | 'error';
function setStatus(s: Status, message = ''): void {
  el.status.textContent = s;
  el.message.textContent = message;
  const busy = s === 'training' || s === 'scoring';
  el.train.disabled = busy || !state.table;
  el.modelInput.disabled = busy || !state.table;
  el.cancel.disabled = !busy;
  el.fileInput.disabled = busy;
}

// ---- data --------------------------------------------------------------------------------------------
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function loadData(file: File): Promise<void> {
  const data = { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
  try {
    const table = await parseTableBytes(data.name, data.bytes);
    Object.assign(state, { data, table, result: null });
    el.results.hidden = true;
    el.fileInfo.textContent = `${file.name}: ${table.rowCount} rows, ${table.names.length} columns`;
    const suggested = inferSchema(table).suggestedLabel;
    el.labelSelect.innerHTML = `<option value="${NO_LABEL}">(none)</option>` +
      table.names.map((n) => `<option value="${esc(n)}"${n === suggested ? ' selected' : ''}>${esc(n)}</option>`).join('');
    showSchema();
    el.schemaBlock.hidden = false;
    setStatus('loaded');
  } catch (e) {
    state.table = null;
    el.schemaBlock.hidden = true;
    el.fileInfo.textContent = '';
    setStatus('error', (e as Error).message);
  }
}

const labelColumn = (): string | null => el.labelSelect.value || null;

function showSchema(): void {
  if (!state.table) return;
  try {
    const s = inferSchema(state.table, { labelColumn: labelColumn() ?? undefined });
    el.schema.innerHTML = '<thead><tr><th>column</th><th>kind</th><th>role</th><th>note</th></tr></thead><tbody>' +
      s.columns.map((c) => `<tr><td>${esc(c.name)}</td><td>${c.kind}</td><td>${c.role}</td><td>${esc(c.reason ?? '')}</td></tr>`).join('') + '</tbody>';
  } catch (e) {
    el.schema.innerHTML = `<tbody><tr><td class="error">${esc((e as Error).message)}</td></tr></tbody>`;
  }
}

// ---- detectors -----------------------------------------------------------------------------------------
function fillDetectors(): void {
  const names = detectorNames();
  const first = ['auto', 'dagmm'].filter((n) => names.includes(n));
  const order = [...first, ...names.filter((n) => !first.includes(n)).sort()];
  el.detectorSelect.innerHTML = order.map((n) => `<option value="${esc(n)}">${esc(n)}${detectorEntry(n).unreliable ? ' (unreliable)' : ''}</option>`).join('');
  el.detectorSelect.value = first[0] ?? order[0];
  showDetector();
}

function showDetector(): void {
  const name = el.detectorSelect.value;
  const params = parameterDocs(name).filter((p) => p.name !== 'preprocessing').map((p) => `${p.name}${p.default !== undefined ? `=${JSON.stringify(p.default)}` : ''}`);
  const entry = detectorEntry(name), summary = entry.summary.trim();
  el.detectorInfo.textContent = `${entry.unreliable ? `Does not rank rows reliably: ${entry.unreliable} ` : ''}${summary}${/[.!?]$/.test(summary) ? '' : '.'}${entry.slowScoring ? ` Slow to score: ${entry.slowScoring}.` : ''} Parameters: ${params.join(', ') || 'none'}.`;
}

// ---- jobs -------------------------------------------------------------------------------------------------
function startJob(job: Job): void {
  stopWorker();
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  state.worker = worker;
  el.progress.value = 0;
  el.progress.removeAttribute('value'); // indeterminate until the first progress message
  worker.onmessage = (e: MessageEvent<JobMessage>) => {
    if (state.worker !== worker) return;
    const m = e.data;
    if (m.type === 'progress') {
      el.progress.value = m.total > 0 ? m.done / m.total : 0;
      el.message.textContent = `${m.done} / ${m.total} ${m.info}`;
    } else if (m.type === 'error') {
      stopWorker();
      el.progress.value = 0;
      setStatus('error', m.message);
    } else {
      stopWorker();
      el.progress.value = 1;
      showResult({ report: m.report, model: m.model, csv: m.csv, detector: m.detector });
      setStatus(job.type === 'train' ? 'trained' : 'scored', `${m.detector}, ${m.seconds.toFixed(1)} s`);
    }
  };
  worker.onerror = (e) => { if (state.worker === worker) { stopWorker(); setStatus('error', e.message || 'the worker failed'); } };
  worker.postMessage(job);
  setStatus(job.type === 'train' ? 'training' : 'scoring');
}

function stopWorker(): void {
  state.worker?.terminate();
  state.worker = null;
}

function train(): void {
  if (!state.data) return;
  let params: Record<string, unknown> = {};
  const text = el.params.value.trim();
  if (text) {
    try { params = JSON.parse(text) as Record<string, unknown>; } catch (e) { setStatus('error', `parameters: not JSON (${(e as Error).message})`); return; }
    if (typeof params !== 'object' || params === null || Array.isArray(params)) { setStatus('error', 'parameters: expected a JSON object such as {"epochs": 50}'); return; }
  }
  startJob({ type: 'train', data: state.data, detector: el.detectorSelect.value, params, labelColumn: labelColumn() });
}

async function loadModel(file: File): Promise<void> {
  if (!state.data) return;
  startJob({ type: 'score', data: state.data, model: { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) } });
}

function cancel(): void {
  if (!state.worker) return;
  stopWorker();
  el.progress.value = 0;
  setStatus('cancelled', 'the worker was stopped');
}

// ---- results ------------------------------------------------------------------------------------------
function download(a: HTMLAnchorElement, name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  state.urls.push(url);
  a.href = url;
  a.download = name;
}

function labelsFor(table: Table): Uint8Array | null {
  const col = labelColumn();
  if (!col) return null;
  try { return labelsFromColumn(table, col); } catch (e) { el.message.textContent = `labels: ${(e as Error).message}`; return null; }
}

function showResult(r: Result): void {
  for (const u of state.urls.splice(0)) URL.revokeObjectURL(u);
  state.result = r;
  r.report.labels = state.table ? labelsFor(state.table) : null;
  download(el.downloadModel, r.model.name, new Blob([r.model.bytes as BlobPart], { type: 'application/octet-stream' }));
  download(el.downloadScores, r.model.name.replace(/\.abr$/i, '') + '-scores.csv', new Blob([r.csv], { type: 'text/csv' }));
  const first = reportViews(r.report);
  state.axis = first.scoreAxis.domain;
  state.pixels = { width: first.scoreAxis.width, pixels: first.scoreAxis.pixels };
  state.threshold = r.report.threshold;
  el.summary.innerHTML = first.summary;
  el.method.textContent = `Contributions: ${r.report.contributionMethod}.`;
  showTop(first.topAnomalies);
  el.results.hidden = false;
  syncSlider();
  render(true);
}

/** The report's top-anomalies table (one row per anomaly), with the test id on the table itself. */
function showTop(html: string): void {
  el.top.innerHTML = html;
  el.top.querySelector('table')?.setAttribute('data-testid', 'top-anomalies');
}

const figures = (views: ReportView[]): string =>
  views.map((v) => `<figure data-key="${v.key}">${v.svg}<figcaption>${esc(v.caption)}</figcaption></figure>`).join('');

/** Re-renders every view that depends on the threshold; the embedding only when asked (it is the slow one). */
function render(withEmbedding: boolean): void {
  const r = state.result;
  if (!r) return;
  const moved = state.threshold !== r.report.threshold;
  const v = reportViews({ ...r.report, threshold: state.threshold, thresholdRule: moved ? `set in the page (the model's is ${r.report.threshold})` : r.report.thresholdRule });
  el.flagged.textContent = `${v.flaggedCount} of ${v.rows} rows flagged`;
  el.thresholdValue.textContent = `threshold ${state.threshold}${moved ? ' (moved)' : " (the model's)"}`;
  el.scoreFigures.innerHTML = figures(v.scores);
  el.evaluation.innerHTML = v.confusion ? `<h3>Against the labels</h3>${v.confusion}<div class="figures">${figures(v.evaluation)}</div>` : '';
  if (withEmbedding) {
    el.embedding.innerHTML = v.embedding.length ? `<h3>The learned space</h3><div class="figures">${figures(v.embedding)}</div>` : '';
  }
}

let frame = 0;
/** Coalesces renders to one per animation frame while dragging. */
function renderSoon(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => { frame = 0; render(false); });
}

function syncSlider(): void {
  const [lo, hi] = state.axis;
  el.slider.value = String(Math.round(((state.threshold - lo) / (hi - lo)) * SLIDER_STEPS));
}

function setThreshold(t: number, fromSlider: boolean): void {
  const [lo, hi] = state.axis;
  state.threshold = Math.min(hi, Math.max(lo, t));
  if (!fromSlider) syncSlider();
  renderSoon();
}

// The learned space is coloured by flagged rows when there are no labels: redraw it when a drag ends.
const settle = (): void => { if (state.result && !state.result.report.labels) render(true); };

el.slider.addEventListener('input', () => {
  const [lo, hi] = state.axis;
  setThreshold(lo + (Number(el.slider.value) / SLIDER_STEPS) * (hi - lo), true);
});
el.slider.addEventListener('change', settle);
el.reset.addEventListener('click', () => { if (state.result) { setThreshold(state.result.report.threshold, false); settle(); } });

// Dragging on the histogram moves the threshold to the pointer's score.
let dragging = false;
function thresholdAtPointer(e: PointerEvent): number | null {
  const svg = el.scoreFigures.querySelector('figure[data-key="score-histogram"] svg');
  if (!svg || !state.result) return null;
  const box = svg.getBoundingClientRect();
  const { width, pixels } = state.pixels;
  const x = ((e.clientX - box.left) / box.width) * width;
  const [lo, hi] = state.axis;
  return lo + ((x - pixels[0]) / (pixels[1] - pixels[0])) * (hi - lo);
}
el.scoreFigures.addEventListener('pointerdown', (e) => {
  const t = thresholdAtPointer(e);
  if (t === null || !(e.target as Element).closest('figure[data-key="score-histogram"]')) return;
  dragging = true;
  el.scoreFigures.setPointerCapture(e.pointerId);
  setThreshold(t, false);
});
el.scoreFigures.addEventListener('pointermove', (e) => { if (dragging) { const t = thresholdAtPointer(e); if (t !== null) setThreshold(t, false); } });
el.scoreFigures.addEventListener('pointerup', () => { if (dragging) { dragging = false; settle(); } });

// ---- wiring -----------------------------------------------------------------------------------------------
el.fileInput.addEventListener('change', () => { const f = el.fileInput.files?.[0]; if (f) void loadData(f); });
el.drop.addEventListener('dragover', (e) => { e.preventDefault(); el.drop.classList.add('over'); });
el.drop.addEventListener('dragleave', () => el.drop.classList.remove('over'));
el.drop.addEventListener('drop', (e) => {
  e.preventDefault();
  el.drop.classList.remove('over');
  const f = e.dataTransfer?.files[0];
  if (f && el.status.textContent !== 'training' && el.status.textContent !== 'scoring') void loadData(f);
});
el.labelSelect.addEventListener('change', () => {
  showSchema();
  if (state.result && state.table) {
    state.result.report.labels = labelsFor(state.table);
    showTop(reportViews(state.result.report).topAnomalies);
    render(true);
  }
});
el.detectorSelect.addEventListener('change', showDetector);
el.train.addEventListener('click', train);
el.cancel.addEventListener('click', cancel);
el.modelInput.addEventListener('change', () => { const f = el.modelInput.files?.[0]; if (f) void loadModel(f); el.modelInput.value = ''; });

const style = document.createElement('style');
style.textContent = REPORT_CSS;
document.head.prepend(style);
fillDetectors();
setStatus('idle', 'choose a data file');
