/** A logger that keeps what the engine would have printed, so tests stay quiet. */
export function recordingLogger(): {
  warn(message: string): void;
  error(message: string): void;
  lines: string[];
} {
  const lines: string[] = [];
  return {
    lines,
    warn: (message: string) => void lines.push(message),
    error: (message: string) => void lines.push(message),
  };
}
