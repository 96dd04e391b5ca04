import 'reflect-metadata';
import { Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Cron, ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import { currentLock, Locked } from '../../../src';
import { useEngines } from '../../support/use-engines';

// @nestjs/schedule stores its metadata on the method function under these keys
// (schedule.constants.ts); the explorer reads them back with Reflector.
const SCHEDULE_CRON_OPTIONS = 'SCHEDULE_CRON_OPTIONS';
const SCHEDULER_TYPE = 'SCHEDULER_TYPE';
const SCHEDULER_NAME = 'SCHEDULER_NAME';
const CRON = 1; // SchedulerType.CRON

const MIDNIGHT = '0 0 * * *';
const ran: Array<string | undefined> = [];

@Injectable()
class CronOutside {
  // Decorators apply bottom-up: @Locked wraps first, @Cron then tags the wrapper.
  @Cron(MIDNIGHT, { name: 'outside', waitForCompletion: true })
  @Locked({ key: 'cron:outside' })
  async job(): Promise<void> {
    ran.push(currentLock()?.key);
  }
}

@Injectable()
class CronInside {
  // @Cron tags the original first; @Locked must carry its metadata over to the wrapper.
  @Locked({ key: 'cron:inside' })
  @Cron(MIDNIGHT, { name: 'inside', waitForCompletion: true })
  async job(): Promise<void> {
    ran.push(currentLock()?.key);
  }
}

class Guarded {
  @SetMetadata('roles', ['admin'])
  @Locked()
  async outside(): Promise<string | undefined> {
    return currentLock()?.key;
  }

  @Locked()
  @SetMetadata('roles', ['ops'])
  @SetMetadata('audit', true)
  async inside(): Promise<string | undefined> {
    return currentLock()?.key;
  }
}

const engines = useEngines();
beforeEach(() => {
  ran.length = 0;
  engines.create({ register: 'default' });
});

describe('@Locked keeps metadata of other decorators, in either order', () => {
  const reflector = new Reflector();

  it.each([
    ['after @Locked (outer)', CronOutside, 'outside'],
    ['before @Locked (inner)', CronInside, 'inside'],
  ])(
    '@Cron applied %s is read back by Reflector from the wrapper',
    async (_order, Service, name) => {
      const method = Service.prototype.job;
      expect(reflector.get(SCHEDULER_TYPE, method)).toBe(CRON);
      expect(reflector.get(SCHEDULER_NAME, method)).toBe(name);
      expect(reflector.get(SCHEDULE_CRON_OPTIONS, method)).toEqual({
        cronTime: MIDNIGHT,
        name,
        waitForCompletion: true,
      });
      // ...and what carries the metadata is the locked wrapper.
      await new Service().job();
      expect(ran).toEqual([`cron:${name}`]);
    },
  );

  it('@SetMetadata applied after or before @Locked is read back by Reflector', async () => {
    expect(reflector.get('roles', Guarded.prototype.outside)).toEqual(['admin']);
    expect(reflector.get('roles', Guarded.prototype.inside)).toEqual(['ops']);
    expect(reflector.get('audit', Guarded.prototype.inside)).toBe(true);
    expect(await new Guarded().outside()).toBe('Guarded.outside');
    expect(await new Guarded().inside()).toBe('Guarded.inside');
  });

  it('leaves design-time metadata (on the prototype and property) alone', () => {
    expect(Reflect.getMetadata('design:returntype', Guarded.prototype, 'inside')).toBe(Promise);
    expect(Reflect.getMetadata('design:paramtypes', CronInside.prototype, 'job')).toEqual([]);
  });

  it('real ScheduleModule registers both jobs, and firing them runs the method under its lock', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ScheduleModule.forRoot()],
      providers: [CronOutside, CronInside],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const registry = app.get(SchedulerRegistry);
      expect([...registry.getCronJobs().keys()].sort()).toEqual(['inside', 'outside']);
      // waitForCompletion: fireOnTick resolves once the method has finished.
      await registry.getCronJob('outside').fireOnTick();
      await registry.getCronJob('inside').fireOnTick();
      expect(ran).toEqual(['cron:outside', 'cron:inside']);
    } finally {
      await app.close();
    }
  });
});
