import { INTERCEPTORS_METADATA, MODULE_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { ApiModule } from '../app.module';
import { workOfContext } from './correlation';
import { IdempotencyInterceptor } from './idempotency.interceptor';

type Controller = { name: string; prototype: Record<string, unknown> };
type Handler = { name: string; controller: Controller; method: string; fn: object };

/** Every handler of the API's controllers. */
function handlers(): Handler[] {
  const controllers: Controller[] = Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, ApiModule);
  return controllers.flatMap((controller) =>
    Object.getOwnPropertyNames(controller.prototype)
      .filter((method) => method !== 'constructor' && typeof controller.prototype[method] === 'function')
      .map((method) => ({ name: `${controller.name}.${method}`, controller, method, fn: controller.prototype[method] as object })),
  );
}

describe('work context', () => {
  it('reaches every command that takes an Idempotency-Key (its commit hook travels in it)', () => {
    const idempotent = handlers().filter((h) => ((Reflect.getMetadata(INTERCEPTORS_METADATA, h.fn) as unknown[] | undefined) ?? []).includes(IdempotencyInterceptor));
    // The scan found the commands (a wrong metadata key would pass vacuously).
    expect(idempotent.length).toBeGreaterThanOrEqual(12);
    const withoutWork = idempotent
      .filter((h) => {
        // Nest keeps a handler's parameter decorators on its class, under the method's name.
        const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, h.controller, h.method) as Record<string, { factory?: unknown }> | undefined;
        return !Object.values(args ?? {}).some((arg) => arg.factory === workOfContext);
      })
      .map((h) => h.name);
    expect(withoutWork).toEqual([]);
  });
});
