// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs', '**/*.cjs', 'apps/api/src/metadata.ts', 'libs/client/src/schema.ts'] }, // the last two are generated (npm run openapi)
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    // The domain stays pure: no framework, ORM, queue or validation library may leak in.
    files: ['libs/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@nestjs/*', 'typeorm', 'bullmq', 'ioredis', 'class-validator', 'class-transformer', 'pg', 'fastify', '@labgate/*'], message: 'libs/domain is pure TypeScript (STYLE rule 1).' },
          ],
        },
      ],
    },
  },
  {
    // SQL lives in repositories (libs/persistence), one per aggregate (STYLE rule 13).
    files: ['apps/**/*.ts', 'libs/core/**/*.ts', 'libs/queue/**/*.ts', 'libs/config/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.fake.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'typeorm', message: 'Reach the database through a repository of libs/persistence.' }, { name: 'pg', message: 'Reach the database through a repository of libs/persistence.' }] },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name='query']", message: 'SQL lives in repositories (libs/persistence/src/repositories).' },
        { selector: "CallExpression[callee.property.name='createQueryBuilder']", message: 'SQL lives in repositories (libs/persistence/src/repositories).' },
      ],
    },
  },
  {
    files: ['scripts/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
