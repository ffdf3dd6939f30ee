/** The threshold options every detector command shares, parsed as the CLI parses them (commander, no process). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { addDetectorOptions, detectorParams, type DetectorOptionValues } from '../../src/cli/common.js';

function parse(args: string[]): Record<string, unknown> {
  const cmd = addDetectorOptions(new Command('fit')).exitOverride().configureOutput({ writeErr: () => {} });
  cmd.parse(args, { from: 'user' });
  return detectorParams(cmd.opts<DetectorOptionValues>());
}

describe('CLI threshold options', () => {
  it('--threshold-quantile q sets {quantile: q}: the q quantile of the training scores', () => {
    assert.deepEqual(parse(['--threshold-quantile', '0.99']).threshold, { quantile: 0.99 });
    assert.deepEqual(parse(['--contamination', '0.01']).threshold, { contamination: 0.01 });
    assert.deepEqual(parse(['--holdout', '0.2']).threshold, { holdout: 0.2, quantile: 0.95 });
    assert.equal(parse(['--seed', '3']).threshold, undefined, 'no rule given: the detector default applies');
  });
  it('rejects a quantile outside (0.5, 1)', () => {
    assert.throws(() => parse(['--threshold-quantile', '0.3']), /--threshold-quantile must be a number between 0.5 and 1, got "0.3"/);
    assert.throws(() => parse(['--threshold-quantile', '1']), /between 0.5 and 1/);
  });
  it('is exclusive with the other threshold rules, naming the conflict', () => {
    assert.throws(() => parse(['--threshold-quantile', '0.99', '--contamination', '0.01']), /give at most one threshold rule .*; got --contamination and --threshold-quantile/);
    assert.throws(() => parse(['--threshold-quantile', '0.99', '--threshold', '2']), /got --threshold and --threshold-quantile/);
    assert.throws(() => parse(['--threshold-quantile', '0.99', '--holdout', '0.2']), /got --holdout and --threshold-quantile/);
    assert.throws(() => parse(['--threshold-quantile', '0.99', '--quantile', '0.9']), /--quantile goes with --holdout \(for a quantile of the training scores give --threshold-quantile alone\)/);
  });
});
