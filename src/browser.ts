/** Browser entry: the engine and models on the TypeScript backend; no Node-only imports. */
export * from './engine/index.js';
export { Mlp } from './nn/mlp.js';
export { parseNetworkSpec, formatNetworkSpec, type LayerSpec } from './nn/spec.js';
export { initDense, type InitScheme } from './nn/init.js';
export * as gmm from './gmm/gmm.js';
export { DagmmNetwork, type DagmmNetworkConfig } from './detectors/dagmm/network.js';
export { trainDagmm, type DagmmTrainOptions } from './detectors/dagmm/train.js';
export { scoreEnergies, fitGmmParams } from './detectors/dagmm/network.js';
export { PAPER_CONFIGS, PAPER_RESULTS, type PaperConfig } from './detectors/dagmm/paper-configs.js';
export { auroc, averagePrecision } from './metrics/ranking.js';
export { topKMetrics, flaggedCount } from './metrics/threshold.js';
export { parseNumericCsv } from './data/csv.js';
export { fitMinMax, applyMinMax } from './data/scaling.js';
export { LIBRARY_VERSION } from './version.js';
// Detectors: the common contract, the registry, DAGMM on the contract.
export { Detector, toTable, type DataInput, type FitOptions, type TrainingInfo } from './detectors/detector.js';
export { createDetector, loadDetector, detectorNames, detectorEntry, detectorEntries, parameterDocs, registerDetector, type DetectorEntry, type PaperRunConfig } from './detectors/registry.js';
export { DeepDetector, deepTrainingShape, UNTRAINED_CONTROL, type DeepParams, type DeepTrainingConfig, type EpochStats, type LossOutput, type StepContext } from './detectors/deep/detector.js';
export { trainLoop, type TrainLoopOptions, type Trainable, type EarlyStopping } from './detectors/deep/train-loop.js';
export { AutoencoderDetector, ReconstructionDetector, AeParamsSchema, type AeParams } from './detectors/ae/detector.js';
export { VaeDetector, VaeParamsSchema, vaeObjective, type VaeParams } from './detectors/vae/detector.js';
export { DenoisingAutoencoderDetector, DaeParamsSchema, type DaeParams } from './detectors/dae/detector.js';
export { SparseAutoencoderDetector, SaeParamsSchema, type SaeParams } from './detectors/sae/detector.js';
export { ContractiveAutoencoderDetector, CaeParamsSchema, type CaeParams } from './detectors/cae/detector.js';
export { DagmmDetector, DagmmParamsSchema, type DagmmParams, type DagmmParamsInput } from './detectors/dagmm/detector.js';
export { resolveDagmmConfig, type DagmmResolvedConfig } from './detectors/dagmm/auto-config.js';
export { ThresholdSpecSchema, type ThresholdSpec } from './detectors/threshold.js';
// Data layer: tables, parsers from text/bytes, schema inference, preprocessing, labels.
export { tableFromRows, tableFromMatrix, tableFromRecords, makeTable, selectRows, type Table, type Cell, type Column } from './data/table.js';
export { parseCsv, parseJsonLines, parseArrowIpc, parseParquet } from './data/readers/index.js';
export { parseTableBytes, formatOfPath, type TableFormat } from './data/readers/formats.js';
export { inferSchema, type Schema, type ColumnSchema } from './data/schema.js';
export { Preprocessor, SCALED_VALUE_LIMIT, type PreprocessOptions, type Transformed } from './data/preprocess.js';
export { labelsFromColumn } from './data/labels.js';
// Model files, metrics curves, reports.
export { encodeModelFile, decodeModelFile, declaredModelSize, isModelFile, ModelFileError, type NamedTensor, type ModelManifest } from './io/model-file.js';
export { rocCurve, precisionRecallCurve, confusionAt } from './metrics/curves.js';
export { renderReportHtml, renderPlotsSvg, reportViews, REPORT_CSS, type ReportInput, type ReportView, type ReportViews } from './report/index.js';
export { buildReportInput } from './report/from-detector.js';
export { featureContributions, contributionsFromErrors, hasReconstruction, DEFAULT_CONTRIBUTIONS_PER_ROW, CONTRIBUTION_METHOD, NO_CONTRIBUTIONS, type Contribution } from './report/contributions.js';
// Scoring as every front end reports it: score, is_anomaly, rank.
export { scoreRows, labelScores, modelInputs, type ScoredRows, type InputKind } from './scoring/score-rows.js';
export { SCORE_CSV_HEADER, scoreCsvLine, scoresToCsv } from './scoring/score-csv.js';
export { scoreTextRecords, tableFromTextRecords, type TextRecord, type RecordResult, type ScoredRecords } from './scoring/score-records.js';
