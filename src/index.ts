/**
 * Node entry: everything in the browser entry, plus the native backend, selected on import
 * (falls back to TypeScript with a one-line notice when the addon is not built).
 */
import { useBestBackend } from './backend-node.js';

export * from './browser.js';
export { useBestBackend, backendInfo, type BackendPreference } from './backend-node.js';

useBestBackend();
