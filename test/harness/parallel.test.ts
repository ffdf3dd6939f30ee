/**
 * The harness with seeds in worker threads (runBenchmarkAsync, BenchOptions.jobs): the result equals the
 * sequential loop's for the same kernel thread count, apart from timings; failures name the seed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useBestBackend } from '../../src/backend-node.js';
import { loadPaperDataset } from '../../src/data/datasets/bundled.js';
import { tableFromRecords, type Cell } from '../../src/data/table.js';
import { kernels, TsKernels, withKernels } from '../../src/engine/backend/index.js';
import { setNativeThreads } from '../../src/engine/backend/native.js';
import { Rng } from '../../src/engine/rng.js';
import { runLabelledBenchmark } from '../../src/harness/labelled.js';
import { checkJobs, matrixSource, planBenchmark, runBenchmark, runPaperBenchmark, runSeed, type BenchResult, type RunMetrics } from '../../src/harness/paper.js';
import { runBenchmarkAsync, runLabelledBenchmarkAsync, runPaperBenchmarkAsync } from '../../src/harness/parallel.js';
import { runCli } from '../support/cli.js';
import { KERNEL_REPORTING, SEED_FAILING } from '../support/test-detectors.js';

/** The result without what depends on the machine's timing or on how the runs were spread. */
function strip(r: BenchResult): unknown {
  const run = (m: RunMetrics): Partial<RunMetrics> => { const c: Partial<RunMetrics> = { ...m }; delete c.seconds; delete c.trainSeconds; return c; };
  const rest: Partial<BenchResult> = { ...r, runs: r.runs.map(run) as RunMetrics[], control: { ...r.control, runs: r.control.runs.map(run) as RunMetrics[] } };
  delete rest.seconds; delete rest.jobs;
  return rest;
}

// The native kernels when built (their thread count is what the workers must share), else TypeScript.
const native = useBestBackend('auto') === 'native';
const thyroid = loadPaperDataset('thyroid');
const src = matrixSource(thyroid.base, thyroid.sampleRun, 0.025, 'test');
const workerModules = [new URL('../support/test-detectors.js', import.meta.url).href];

describe('benchmark harness with jobs (seeds in worker threads)', () => {
  it('DAGMM: jobs 2 gives the sequential result, for each kernel thread count, in seed order', async () => {
    const before = kernels().threads;
    try {
      for (const threads of native ? [1, 2] : [1]) {
        if (native) setNativeThreads(threads);
        const o = { model: 'dagmm', runs: 3, seed: 4, protocol: 'paper' as const, epochs: 2 };
        const seq = runPaperBenchmark(thyroid, o);
        const seen: number[] = [];
        const par = await runPaperBenchmarkAsync(thyroid, { ...o, jobs: 2, onRun: (m, i, c) => { assert.equal(m.seed, 4 + i); assert.ok(c); seen.push(i); } });
        assert.deepEqual(strip(par), strip(seq), `${threads} kernel thread(s)`);
        assert.deepEqual(par.runs.map((r) => r.seed), [4, 5, 6]);
        assert.deepEqual([...seen].sort(), [0, 1, 2], 'onRun once per run');
        assert.equal(par.jobs, 2);
        assert.equal(seq.jobs, undefined);
        assert.equal(par.control.runs.length, 3);
      }
    } finally {
      if (native) setNativeThreads(before);
    }
  });

  it('the workers fit with the main thread\'s backend and kernel thread count', async () => {
    const o = { model: KERNEL_REPORTING, params: { nEstimators: 5 }, runs: 2, seed: 1, protocol: 'paper' as const, noControl: true, jobs: 2, workerModules };
    const before = kernels().threads;
    try {
      for (const threads of native ? [1, 2] : [1]) {
        if (native) setNativeThreads(threads);
        const r = await runBenchmarkAsync(src, o);
        assert.deepEqual((r.config.resolved as { kernels: unknown }).kernels, { backend: kernels().name, threads }, `${threads} kernel thread(s)`);
      }
    } finally {
      if (native) setNativeThreads(before);
    }
    const ts = await withKernels(new TsKernels(), () => runBenchmarkAsync(src, o));
    assert.deepEqual((ts.config.resolved as { kernels: unknown }).kernels, { backend: 'typescript', threads: 1 });
  });

  it('puts the runs in seed order whatever order they finish in', () => {
    const plan = planBenchmark(src, { model: 'iforest', params: { nEstimators: 5 }, runs: 3, seed: 7, protocol: 'paper' });
    const outs = [0, 1, 2].map((r) => runSeed(plan.spec, plan.prepare(r)));
    const a = plan.finish(outs), b = plan.finish([outs[2], outs[0], outs[1]]);
    assert.deepEqual(strip(b), strip(a));
    assert.deepEqual(b.runs.map((r) => r.seed), [7, 8, 9]);
    assert.throws(() => plan.finish([outs[0], outs[2]]), /one outcome for each of runs 0\.\.2/);
  });

  it('each run\'s testIndex names the source rows of its test rows', () => {
    for (const protocol of ['paper', 'half-normal', 'unsupervised'] as const) {
      const job = planBenchmark(src, { model: 'iforest', runs: 1, seed: 3, protocol }).prepare(0);
      assert.equal(job.testIndex.length, job.testLabels.length, protocol);
      type Rows = { data: Float32Array; rows: number };
      const viaIndex = src.rows(job.testIndex) as Rows, test = job.test as Rows;
      assert.equal(test.rows, job.testIndex.length, protocol);
      assert.deepEqual(test.data, viaIndex.data, protocol);
      assert.equal(new Set(job.testIndex).size, job.testIndex.length, `${protocol}: no row twice`);
    }
  });

  it('a classical detector: jobs 2 gives the sequential result; more jobs than runs is fine', async () => {
    const o = { model: 'iforest', params: { nEstimators: 20 }, runs: 2, seed: 1, protocol: 'half-normal' as const };
    const seq = runBenchmark(src, o);
    const par = await runBenchmarkAsync(src, { ...o, jobs: 8 });
    assert.deepEqual(strip(par), strip(seq));
    assert.equal(par.jobs, 2, 'one worker per run at most');
    // Different seeds give different forests: the comparison above is not between constants.
    assert.notEqual(seq.runs[0].auroc, seq.runs[1].auroc);
  });

  it('a labelled table with a text column travels to the workers and gives the sequential result', async () => {
    const r = new Rng(9), records: Record<string, Cell>[] = [];
    for (let i = 0; i < 240; i++) {
      const anomaly = i % 12 === 0;
      records.push({ a: anomaly ? 3 + r.uniform() : r.normal() * 0.3, b: r.normal(), kind: anomaly ? 'x' : (i % 2 ? 'p' : 'q'), label: anomaly ? 1 : 0 });
    }
    const table = tableFromRecords(records, 'records.csv');
    const labels = Uint8Array.from(records, (x) => Number(x.label));
    const o = { detector: 'iforest', params: { nEstimators: 20 }, labelColumn: 'label', runs: 3, seed: 2, protocol: 'paper' as const };
    const seq = runLabelledBenchmark(table, labels, 'records.csv', o);
    const par = await runLabelledBenchmarkAsync(table, labels, 'records.csv', { ...o, jobs: 2 });
    assert.deepEqual(strip(par), strip(seq));
    assert.ok(seq.mean.auroc > 0.9, `planted anomalies are easy: AUROC ${seq.mean.auroc}`);
  });

  it('an error inside a worker names its seed and stops the benchmark', async () => {
    const o = { model: SEED_FAILING, runs: 3, seed: 1, protocol: 'paper' as const, noControl: true, jobs: 2 };
    await assert.rejects(runBenchmarkAsync(src, { ...o, workerModules }), /^Error: seed 2 \(run 2 of 3\): planted failure for seed 2$/);
    // Without the module the workers do not know the detector, and say how to fix it.
    await assert.rejects(runBenchmarkAsync(src, o), /seed [12] \(run [12] of 3\): detector "test-fails-on-seed-2" is not registered in the benchmark's worker threads.*workerModules/);
    // A bad parameter fails in the worker's fit, named by seed as well.
    await assert.rejects(runBenchmarkAsync(src, { model: 'iforest', params: { nEstimators: 0 }, runs: 2, seed: 5, protocol: 'paper', jobs: 2 }), /seed [56] \(run [12] of 2\): iforest: invalid parameters\n.*nEstimators/);
  });

  it('rejects jobs that are not a positive integer, and jobs > 1 where seeds cannot leave the thread', async () => {
    for (const jobs of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => checkJobs(jobs), /jobs must be a positive integer/);
      assert.throws(() => runBenchmark(src, { model: 'iforest', runs: 1, seed: 1, protocol: 'paper', jobs }), /jobs must be a positive integer/);
      await assert.rejects(runBenchmarkAsync(src, { model: 'iforest', runs: 1, seed: 1, protocol: 'paper', jobs }), /jobs must be a positive integer/);
    }
    assert.throws(() => runBenchmark(src, { model: 'iforest', runs: 2, seed: 1, protocol: 'paper', jobs: 2 }), /runBenchmarkAsync/);
    await assert.rejects(runBenchmarkAsync(src, { model: 'iforest', runs: 2, seed: 1, protocol: 'paper', jobs: 2, onFitted: () => undefined }), /onFitted.*jobs 1/);
  });

  it('bench paper --jobs: runs in workers, records jobs and threads, rejects a bad value', () => {
    const args = ['bench', 'paper', '--dataset', 'thyroid', '--model', 'iforest', '--param', 'nEstimators=10', '--runs', '2', '--no-control', '--json'];
    const par = runCli([...args, '--jobs', '2']);
    assert.equal(par.code, 0, par.err);
    const a = JSON.parse(par.out) as BenchResult;
    assert.equal(a.jobs, 2);
    assert.equal(a.threads, 1);
    assert.deepEqual(a.runs.map((r) => r.seed), [1, 2]);
    assert.match(par.err, /run 1\/2 seed 1: .*\n.*run 2\/2 seed 2: |run 2\/2 seed 2: .*\n.*run 1\/2 seed 1: /s);
    const bad = runCli([...args, '--jobs', '0']);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /--jobs must be a positive integer, got "0"/);
  });
});
