// Copies the store's Lua scripts next to the compiled JavaScript that reads them at load time.
// Usage: node scripts/copy-lua.js [outDir]   (default: dist)
const { cpSync, readdirSync } = require('node:fs');
const { join, resolve } = require('node:path');

const from = join(__dirname, '..', 'src', 'stores', 'lua');
const to = join(resolve(process.argv[2] ?? join(__dirname, '..', 'dist')), 'stores', 'lua');
for (const file of readdirSync(from).filter((f) => f.endsWith('.lua'))) {
  cpSync(join(from, file), join(to, file));
}
