/**
 * A small SVG plotting layer: one Plot is a titled frame with two axes (linear or log10), nice ticks, a light
 * grid, layers added by the chart functions, and an optional legend. Every piece of text is escaped.
 */
import { escapeMarkup } from './escape.js';
import { formatNumber } from './format.js';
import { COLORS } from './palette.js';
import { dotsPath, polylinePath } from './path.js';
import { linearScale, logScale, type Scale } from './scale.js';
import { logTicks, niceTicks } from './ticks.js';

export interface AxisOptions {
  label: string;
  domain: readonly [number, number];
  log?: boolean;
  /** Tick values; nice 1-2-5 ticks (or powers of ten on a log axis) when left out. */
  ticks?: number[];
  format?: (v: number) => string;
}

export interface PlotSize { width: number; height: number; top: number; right: number; bottom: number; left: number }

export const DEFAULT_PLOT_SIZE: PlotSize = { width: 560, height: 340, top: 34, right: 18, bottom: 48, left: 68 };

export interface LineStyle { color: string; width?: number; dash?: string; step?: 'hv' | 'vh'; opacity?: number }

export type LegendCorner = 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';

export interface LegendItem { label: string; color: string; kind: 'line' | 'dashed' | 'dot' | 'box' }

const FONT = 'font-family="system-ui,-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif"';
const fix = (v: number): string => String(Math.round(v * 10) / 10);

export class Plot {
  readonly x: Scale;
  readonly y: Scale;
  private readonly layers: string[] = [];
  private legendItems: LegendItem[] = [];
  private legendCorner: LegendCorner = 'top-right';

  constructor(
    readonly title: string,
    private readonly xAxis: AxisOptions,
    private readonly yAxis: AxisOptions,
    readonly size: PlotSize = DEFAULT_PLOT_SIZE,
  ) {
    const { width, height, top, right, bottom, left } = size;
    const make = (a: AxisOptions, range: [number, number]): Scale => (a.log ? logScale(a.domain, range) : linearScale(a.domain, range));
    this.x = make(xAxis, [left, width - right]);
    this.y = make(yAxis, [height - bottom, top]);
  }

  /** Raw SVG markup in plot pixels, drawn in the order added. */
  add(markup: string): this { this.layers.push(markup); return this; }

  line(xs: ArrayLike<number>, ys: ArrayLike<number>, style: LineStyle): this {
    const px = new Float64Array(xs.length), py = new Float64Array(ys.length);
    for (let i = 0; i < xs.length; i++) { px[i] = this.x.map(xs[i]); py[i] = this.y.map(ys[i]); }
    const d = polylinePath(px, py, style.step);
    const dash = style.dash ? ` stroke-dasharray="${style.dash}"` : '';
    const op = style.opacity !== undefined ? ` stroke-opacity="${style.opacity}"` : '';
    return this.add(`<path d="${d}" fill="none" stroke="${style.color}" stroke-width="${style.width ?? 2}"${dash}${op} stroke-linejoin="round"/>`);
  }

  dots(xs: ArrayLike<number>, ys: ArrayLike<number>, color: string, diameter: number, opacity = 1): this {
    const px = new Float64Array(xs.length), py = new Float64Array(ys.length);
    for (let i = 0; i < xs.length; i++) { px[i] = this.x.map(xs[i]); py[i] = this.y.map(ys[i]); }
    return this.add(`<path d="${dotsPath(px, py)}" fill="none" stroke="${color}" stroke-width="${diameter}" stroke-linecap="round" stroke-opacity="${opacity}"/>`);
  }

  /** A vertical marker across the plot at data x, labelled at the top on whichever side has room. */
  verticalLine(x: number, label: string, color: string = COLORS.threshold): this {
    const px = this.x.map(x), { top, height, bottom, left, width, right } = this.size;
    const onRight = px < (left + width - right) / 2;
    const tx = onRight ? px + 5 : px - 5;
    return this.add(
      `<line x1="${fix(px)}" y1="${top}" x2="${fix(px)}" y2="${height - bottom}" stroke="${color}" stroke-width="1.5" stroke-dasharray="5 3"/>` +
      `<text x="${fix(tx)}" y="${top + 13}" font-size="11.5" fill="${color}" text-anchor="${onRight ? 'start' : 'end'}" paint-order="stroke" stroke="#fff" stroke-width="3">${escapeMarkup(label)}</text>`,
    );
  }

  legend(items: LegendItem[], corner: LegendCorner = 'top-right'): this {
    this.legendItems = items;
    this.legendCorner = corner;
    return this;
  }

  /** The plot as an <svg> element; `standalone` adds the xmlns a separate .svg file needs. */
  toSvg(standalone = false): string {
    const { width, height } = this.size;
    const ns = standalone ? ' xmlns="http://www.w3.org/2000/svg"' : '';
    return (
      `<svg${ns} viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" ${FONT} font-size="12">` +
      `<title>${escapeMarkup(this.title)}</title>` +
      `<rect width="${width}" height="${height}" fill="#fff"/>` +
      this.gridAndTicks() + this.layers.join('') + this.frame() + this.legendSvg() +
      `<text x="${this.size.left}" y="20" font-size="14" font-weight="600" fill="${COLORS.text}">${escapeMarkup(this.title)}</text>` +
      '</svg>'
    );
  }

  private ticksOf(a: AxisOptions): number[] {
    if (a.ticks) return a.ticks;
    return a.log ? logTicks(a.domain[0], a.domain[1]) : niceTicks(a.domain[0], a.domain[1], 5);
  }

  private gridAndTicks(): string {
    const { width, height, top, right, bottom, left } = this.size;
    const out: string[] = [];
    const fx = this.xAxis.format ?? ((v: number) => formatNumber(v, 6));
    const fy = this.yAxis.format ?? ((v: number) => formatNumber(v, 6));
    for (const t of this.ticksOf(this.xAxis)) {
      const p = fix(this.x.map(t));
      out.push(`<line x1="${p}" y1="${top}" x2="${p}" y2="${height - bottom}" stroke="${COLORS.grid}"/>`);
      out.push(`<line x1="${p}" y1="${height - bottom}" x2="${p}" y2="${height - bottom + 5}" stroke="${COLORS.axis}"/>`);
      out.push(`<text x="${p}" y="${height - bottom + 18}" text-anchor="middle" fill="${COLORS.text}">${escapeMarkup(fx(t))}</text>`);
    }
    for (const t of this.ticksOf(this.yAxis)) {
      const p = fix(this.y.map(t));
      out.push(`<line x1="${left}" y1="${p}" x2="${width - right}" y2="${p}" stroke="${COLORS.grid}"/>`);
      out.push(`<line x1="${left - 5}" y1="${p}" x2="${left}" y2="${p}" stroke="${COLORS.axis}"/>`);
      out.push(`<text x="${left - 8}" y="${p}" dy="0.35em" text-anchor="end" fill="${COLORS.text}">${escapeMarkup(fy(t))}</text>`);
    }
    const midX = fix((left + width - right) / 2), midY = fix((top + height - bottom) / 2);
    out.push(`<text x="${midX}" y="${height - 8}" text-anchor="middle" font-size="13" fill="${COLORS.text}">${escapeMarkup(this.xAxis.label)}</text>`);
    out.push(`<text transform="translate(15 ${midY}) rotate(-90)" text-anchor="middle" font-size="13" fill="${COLORS.text}">${escapeMarkup(this.yAxis.label)}</text>`);
    return out.join('');
  }

  private frame(): string {
    const { width, height, top, right, bottom, left } = this.size;
    return `<rect x="${left}" y="${top}" width="${width - left - right}" height="${height - top - bottom}" fill="none" stroke="${COLORS.axis}"/>`;
  }

  private legendSvg(): string {
    if (this.legendItems.length === 0) return '';
    const { width, height, top, right, bottom, left } = this.size;
    // Text width is estimated (no layout engine in a string builder): ~6.6 px per character at 12 px.
    const boxW = 34 + Math.max(...this.legendItems.map((i) => i.label.length)) * 6.6;
    const boxH = 8 + this.legendItems.length * 18;
    const x0 = this.legendCorner.endsWith('left') ? left + 8 : width - right - 8 - boxW;
    const y0 = this.legendCorner.startsWith('bottom') ? height - bottom - 8 - boxH : top + 8;
    const rows = this.legendItems.map((item, i) => {
      const cy = y0 + 13 + i * 18, sx = x0 + 8;
      const glyph = item.kind === 'dot'
        ? `<circle cx="${fix(sx + 8)}" cy="${fix(cy)}" r="4" fill="${item.color}"/>`
        : item.kind === 'box'
          ? `<rect x="${fix(sx + 2)}" y="${fix(cy - 5)}" width="12" height="10" fill="${item.color}"/>`
          : `<line x1="${fix(sx)}" y1="${fix(cy)}" x2="${fix(sx + 16)}" y2="${fix(cy)}" stroke="${item.color}" stroke-width="2"${item.kind === 'dashed' ? ' stroke-dasharray="4 3"' : ''}/>`;
      return `${glyph}<text x="${fix(sx + 22)}" y="${fix(cy)}" dy="0.35em" fill="${COLORS.text}">${escapeMarkup(item.label)}</text>`;
    });
    return `<rect x="${fix(x0)}" y="${fix(y0)}" width="${fix(boxW)}" height="${boxH}" fill="#fff" fill-opacity="0.9" stroke="#ccc"/>${rows.join('')}`;
  }
}
