import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'native/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', performance: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // The web app runs in a page and its worker (TypeScript's checker knows these; plain JS there would not).
    files: ['web/**'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', self: 'readonly', Worker: 'readonly', Blob: 'readonly', requestAnimationFrame: 'readonly', MessageEvent: 'readonly' } },
  },
);
