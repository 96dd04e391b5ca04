import type { ScriptCall } from './redis-port';

/**
 * Run `call` by EVALSHA through `send` (a raw command), and by EVAL when the server does not
 * know the script yet (NOSCRIPT: a new, restarted or flushed server). EVAL also caches the
 * script, so the next EVALSHA finds it. For clients without a script helper of their own that
 * lockwarden could use without importing them. `firstUse`: the script has not gone over this
 * connection yet, so it goes as EVAL at once; an EVALSHA answered by NOSCRIPT would be sent
 * again a round trip later, behind calls made after it (an acquire overtaken by the release that
 * gives it back).
 */
export async function evalSha(
  send: (args: string[]) => Promise<unknown>,
  call: ScriptCall,
  firstUse = false,
): Promise<unknown> {
  const rest = [String(call.keys.length), ...call.keys, ...call.args.map(String)];
  if (firstUse) return send(['EVAL', call.script.source, ...rest]);
  try {
    return await send(['EVALSHA', call.script.sha, ...rest]);
  } catch (error) {
    if (!isNoScript(error)) throw error;
    return send(['EVAL', call.script.source, ...rest]);
  }
}

/** Whether `error` is the server's NOSCRIPT answer (GLIDE calls it NoScriptError). */
export function isNoScript(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /NOSCRIPT|NoScriptError/i.test(message);
}
