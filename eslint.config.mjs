// @ts-check
// ESLint 9 flat config: typescript-eslint's recommended rules, plus the few type-aware ones that
// catch real faults here (a dropped promise loses an append's error; an async callback where a
// void one is expected swallows it), on ~30 s for the whole repository on 2 cores.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', '.bench/**', 'test-artifacts/**', '**/*.js', '**/*.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true, caughtErrors: 'none' },
      ],
      // An async generator method needs its instance under another name.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self'] }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // Logs go through Nest's Logger (structured); the CLI writes to process.stdout on purpose.
      'no-console': 'error',
    },
  },
  {
    files: ['bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
