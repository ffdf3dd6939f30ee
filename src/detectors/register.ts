/**
 * How a detector makes itself known: its module calls registerDetector(entry) once, and builtin.ts imports
 * the module. The registry (registry.ts), the CLI's help and choices, docs/detectors.md and the conformance
 * suite all read the entries, so a new detector needs nothing else.
 */
import type * as z from '../zod.js';
import type { PaperDatasetName } from '../data/datasets/bundled.js';
import type { Detector } from './detector.js';

export interface PublishedNumber {
  protocol: 'half-normal';
  metric: 'f1';
  value: number;
  /** The spread the paper gives with it (its standard deviation over seeds), when it does. */
  spread?: number;
  /** Paper and table. */
  source: string;
}

export interface PaperRunConfig {
  /** Detector parameters for this data set (the seed and --epochs are set by the harness). */
  params: Record<string, unknown>;
  /** Precision, recall and F1 the detector's paper reports for it under the DAGMM paper's protocol, when it does. */
  results?: { precision: number; recall: number; f1: number };
  /** Numbers the detector's own paper reports under another protocol (GOAD's half-normal loader), shown beside runs of that protocol. */
  published?: PublishedNumber[];
  /** Where the configuration comes from. */
  source: string;
}

export interface DetectorEntry {
  name: string;
  summary: string;
  paper: string;
  paramsSchema: z.ZodMiniObject;
  /** Parameters for a fast fit (conformance tests, smoke runs). */
  quickParams: Record<string, unknown>;
  /**
   * Set (to the reason) when a fit with quickParams makes no random choice, e.g. an exact convex solver: the
   * conformance suite then checks that seeds give identical scores instead of different ones.
   */
  seedFree?: string;
  /**
   * Set (to what was measured, in a sentence) when the detector is registered so that it can be run and
   * benchmarked, but its scores do not rank rows reliably: `aberrant fit` warns, docs/detectors.md says so, and
   * the conformance suite skips its ranking floor (every other check still applies).
   */
  unreliable?: string;
  /**
   * Set (to what was measured, in a sentence) when scoring is slow by design, e.g. a search per scored row:
   * `aberrant fit` says so, and `aberrant serve` and `aberrant stream` log a warning when they load such a model,
   * so that nobody puts it behind a service without knowing.
   */
  slowScoring?: string;
  /**
   * The benchmark's control: parameters that make the same detector, with the same seed, skip what training
   * learns (for deep detectors, 0 epochs: the initial networks), and what that means; null: no control.
   */
  untrainedControl: { params: Record<string, unknown>; description: string } | null;
  /** Per-data-set configurations for `bench paper`; data sets without one use the detector's defaults. */
  paperConfigs: Partial<Record<PaperDatasetName, PaperRunConfig>>;
  create(params?: Record<string, unknown>): Detector;
  /**
   * Set on an alias (registerAlias): the registered detector this name stands for. The alias creates that
   * detector (same parameters, same class; its model files carry the target's name); the conformance suite
   * runs the target only.
   */
  aliasOf?: string;
}

const entries = new Map<string, DetectorEntry>();

export function registerDetector(entry: DetectorEntry): void {
  if (!/^[a-z][a-z0-9-]*$/.test(entry.name)) throw new Error(`detector name "${entry.name}" must be lower-case letters, digits and dashes`);
  if (entries.has(entry.name)) throw new Error(`detector "${entry.name}" is registered twice`);
  entries.set(entry.name, entry);
}

/**
 * Registers `name` as another name of the registered detector `target` (e.g. a paper's name for a baseline that
 * is an existing detector): everything but the name and summary comes from the target's entry.
 */
export function registerAlias(name: string, target: string, o: { summary: string; paper?: string }): void {
  const t = entries.get(target);
  if (!t) throw new Error(`alias "${name}": detector "${target}" is not registered (register it first)`);
  if (t.aliasOf) throw new Error(`alias "${name}": "${target}" is itself an alias of "${t.aliasOf}"; alias that instead`);
  registerDetector({ ...t, name, summary: o.summary, paper: o.paper ?? t.paper, aliasOf: target });
}

/** Registered entries, in registration order. */
export function registeredDetectors(): readonly DetectorEntry[] { return [...entries.values()]; }
