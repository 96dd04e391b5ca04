// Preloaded (`-r`) into a child process: makes the packages named in LOCKWARDEN_MISSING
// (comma-separated) impossible to resolve, as if they were not installed.
import Module from 'node:module';

const missing = new Set((process.env['LOCKWARDEN_MISSING'] ?? '').split(',').filter(Boolean));
const resolver = Module as unknown as {
  _resolveFilename(request: string, ...rest: unknown[]): string;
};
const resolve = resolver._resolveFilename.bind(resolver);

resolver._resolveFilename = (request: string, ...rest: unknown[]): string => {
  const parts = request.split('/');
  const name = request.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  if (missing.has(name)) {
    throw Object.assign(new Error(`Cannot find module '${request}'`), {
      code: 'MODULE_NOT_FOUND',
    });
  }
  return resolve(request, ...rest);
};
