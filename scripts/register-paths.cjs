// Resolves the @jchat/* library aliases of the compiled tree (dist/) at run time.
const path = require('node:path');
const { register } = require('tsconfig-paths');

const dist = path.resolve(__dirname, '..', 'dist');
register({
  baseUrl: dist,
  paths: { '@jchat/*': ['libs/*/src/index.js'] },
});
