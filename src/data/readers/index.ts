/** The browser-safe readers: text or bytes in, Table out. (Files on disk: read-node.ts.) */
export { parseCsv, type CsvOptions } from './csv.js';
export { parseJsonLines, type JsonLinesOptions } from './jsonl.js';
export { parseArrowIpc, type ArrowOptions } from './arrow.js';
export { parseParquet, type ParquetOptions } from './parquet.js';
export { MISSING_TOKENS } from './tokens.js';
