/** One critical section in an enter/exit log written by the forked workers. */
export interface Section {
  worker: string;
  fence: number;
}

/**
 * The sections of a log of `enter <worker> <fence>` / `exit <worker> <fence>` lines, in log
 * (Redis execution) order. Throws on the first overlap: an enter must follow the previous exit.
 */
export function sectionsFromLog(events: readonly string[]): Section[] {
  const sections: Section[] = [];
  let open: Section | undefined;
  events.forEach((line, index) => {
    const [kind, worker, fence] = line.split(' ');
    const event = { worker: worker!, fence: Number(fence) };
    if (kind === 'enter') {
      if (open) {
        throw new Error(
          `overlap at event ${index}: ${worker} entered while ${open.worker} (fence ${open.fence}) was inside`,
        );
      }
      open = event;
      sections.push(event);
    } else {
      if (!open || open.worker !== event.worker || open.fence !== event.fence) {
        throw new Error(`event ${index} "${line}" does not close the open section`);
      }
      open = undefined;
    }
  });
  if (open) throw new Error(`section of ${open.worker} never exited`);
  return sections;
}
