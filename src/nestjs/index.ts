// `lockwarden/nestjs` is reserved for the NestJS integration (LockModule, LockService,
// @SingleInstanceCron). It has no exports yet; importing it is harmless.
export {};
