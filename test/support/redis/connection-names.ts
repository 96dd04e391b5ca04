import type Redis from 'ioredis';

/** Names of the connections the server sees (other than `admin` itself). */
export async function connectionNames(admin: Redis): Promise<string[]> {
  const list = (await admin.client('LIST')) as string;
  const self = await admin.client('ID');
  return list
    .split('\n')
    .filter((line) => line.trim().length > 0 && !line.startsWith(`id=${self} `))
    .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '');
}
