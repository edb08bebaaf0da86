import 'reflect-metadata';
import { GUARDS_METADATA, MODULE_METADATA } from '@nestjs/common/constants';
import { ApiModule } from '../app.module';
import { HealthController } from '../health/health.controller';
import { AuthGuard } from './auth.guard';
import { RateLimitGuard } from './rate-limit.guard';
import { PUBLIC_ROUTE } from './auth.decorators';

type Controller = abstract new (...args: never[]) => unknown;

describe('GuardedController', () => {
  const controllers = Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, ApiModule) as Controller[];

  it('puts the auth guard, then the rate limit, on every controller of the API but the probes', () => {
    const others = controllers.filter((c) => c !== HealthController);
    expect(others.length).toBeGreaterThanOrEqual(14);
    for (const controller of others) {
      expect({ controller: controller.name, guards: Reflect.getMetadata(GUARDS_METADATA, controller) as unknown }).toEqual({
        controller: controller.name,
        guards: [AuthGuard, RateLimitGuard],
      });
    }
  });

  it('leaves the probes without guards, and they are public', () => {
    expect(controllers).toContain(HealthController);
    expect(Reflect.getMetadata(GUARDS_METADATA, HealthController)).toBeUndefined();
    expect(Reflect.getMetadata(PUBLIC_ROUTE, HealthController)).toBe(true);
  });

  it('no method carries guards of its own (they would run in another order)', () => {
    for (const controller of controllers) {
      const proto = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        if (name === 'constructor' || typeof proto[name] !== 'function') continue;
        expect({ method: `${controller.name}.${name}`, guards: Reflect.getMetadata(GUARDS_METADATA, proto[name] as object) as unknown }).toEqual({
          method: `${controller.name}.${name}`,
          guards: undefined,
        });
      }
    }
  });
});
