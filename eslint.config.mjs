/** ESLint configuration: type-aware TypeScript rules everywhere, React hooks and Next rules for the app; Prettier owns layout. */
import js from '@eslint/js';
import nextPlugin from '@next/eslint-plugin-next';
import reactHooks from 'eslint-plugin-react-hooks';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // Generated, installed or written at runtime: none of it is ours to lint.
  globalIgnores([
    '.next/',
    'node_modules/',
    'test-results/',
    'playwright-report/',
    'bench-results/',
    '.deia/',
    'next-env.d.ts',
  ]),

  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // The root config files sit outside tsconfig's `**/*.ts` include; they still get typed with default options.
        projectService: { allowDefaultProject: ['*.mjs', '*.mts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Types never reach the bundle by accident; a line mixing values and types marks them inline, as the code does.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // The server and the bee are long-lived processes: a forgotten promise is an unhandled rejection, not a warning.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },

  nextPlugin.configs.recommended,
  nextPlugin.configs['core-web-vitals'],
  // Only app/ holds React; elsewhere `use` is Playwright's fixture callback, which the hooks rules would mistake for React's.
  { files: ['app/**/*.{ts,tsx}'], extends: [reactHooks.configs.flat.recommended] },

  {
    files: ['**/*.test.ts'],
    rules: {
      // Vitest's asymmetric matchers (`expect.any(String)`, `expect.objectContaining(…)`) are typed `any`;
      // placing one inside an expected object is how a test says "some value here".
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },

  {
    files: ['e2e/**/*.ts'],
    rules: {
      // The specs probe the server from outside, through its untyped wire format (`res.json()`, `JSON.parse`):
      // reading a reply as `any` is the point, and typing each one would restate the contracts under test.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Playwright reads a fixture's dependencies from its first parameter, which must be a destructuring: `{}` for none.
      'no-empty-pattern': 'off',
    },
  },
);
