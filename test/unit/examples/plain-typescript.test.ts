import { runExample } from '../../support/run-example';

const EXAMPLE_OUTPUT =
  'balance after 10 concurrent credits of 10: 100\n' +
  'send twice at once: true then undefined (sent 1x)\n' +
  'audit ran under the lock "Accounts.audit"\n';

describe('examples/plain-typescript.ts (the README @Locked examples)', () => {
  it('runs as written on the in-memory store', async () => {
    const env = { ...process.env };
    delete env['REDIS_URL'];
    expect(await runExample('plain-typescript.ts', env)).toBe(EXAMPLE_OUTPUT);
  });
});
