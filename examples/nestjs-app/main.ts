// Run several of these against one Redis and watch each heartbeat tick run on one replica:
//   REDIS_URL=redis://127.0.0.1:6379 REPLICA=a node -r @swc-node/register examples/nestjs-app/main.ts
import { bootstrap } from './bootstrap';
import { configFromEnv } from './config';

void bootstrap(configFromEnv(), ['log', 'warn', 'error', 'debug']);
