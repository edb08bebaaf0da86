// Jest's moduleNameMapper does not apply to globalSetup/globalTeardown; this makes the same
// @labgate/* aliases resolve there (and nowhere else).
const Module = require('node:module');
const { moduleNameMapper } = require('./jest-paths');

const aliases = Object.entries(moduleNameMapper).map(([pattern, target]) => [new RegExp(pattern), target]);
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  for (const [pattern, target] of aliases) if (pattern.test(request)) return resolve.call(this, target, ...rest);
  return resolve.call(this, request, ...rest);
};
