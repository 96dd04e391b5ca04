// The README's `forRootAsync` with `ConfigService` example: lock settings from the environment.
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { LockModule } from 'lockwarden/nestjs';

@Module({
  imports: [
    ConfigModule.forRoot(),
    LockModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        redis: config.getOrThrow<string>('REDIS_URL'),
        prefix: config.get<string>('LOCK_PREFIX', 'lw'),
      }),
    }),
  ],
})
export class AppModule {}
