// One source of truth for Jest's module setup: the @labgate/* aliases (read from tsconfig.json) and the transform.
const path = require('node:path');
const { compilerOptions } = require('../tsconfig.json');

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${alias}$`] = path.join(__dirname, '..', target);
}
/**
 * NestJS 12 ships as ESM only, which Jest on Node 20 cannot require: its packages (and the few
 * ESM-only ones they load) are compiled to CommonJS by swc, like our own TypeScript.
 */
const transform = {
  '^.+\\.ts$': ['@swc/jest'],
  '^.+\\.m?js$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
};
const transformIgnorePatterns = ['/node_modules/(?!(@nestjs|uid|load-esm|file-type|iterare)/)'];

module.exports = { moduleNameMapper, transform, transformIgnorePatterns };
