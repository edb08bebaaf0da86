// One source of truth for the @labgate/* aliases in Jest: read from tsconfig.json.
const path = require('node:path');
const { compilerOptions } = require('../tsconfig.json');

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${alias}$`] = path.join(__dirname, '..', target);
}
module.exports = { moduleNameMapper };
