import { SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CachedReflector } from './cached-reflector';

const Roles = (...roles: string[]) => SetMetadata('roles', roles);
const Public = () => SetMetadata('public', true);
const Tagged = Reflector.createDecorator<string>();

@Roles('auditor')
class Controller {
  @Public()
  open() {}
  @Roles('integrator')
  @Tagged('t')
  command() {}
  plain() {}
}

describe('CachedReflector', () => {
  const handlers = [Controller.prototype.open, Controller.prototype.command, Controller.prototype.plain];

  it('answers what Nest’s Reflector answers, found or not, by key or by decorator', () => {
    const plain = new Reflector();
    const cached = new CachedReflector();
    for (const handler of handlers) {
      for (let round = 0; round < 2; round++) {
        for (const key of ['roles', 'public', 'missing']) {
          expect(cached.getAllAndOverride(key, [handler, Controller])).toEqual(plain.getAllAndOverride(key, [handler, Controller]));
          expect(cached.getAllAndMerge(key, [handler, Controller])).toEqual(plain.getAllAndMerge(key, [handler, Controller]));
          expect(cached.get(key, handler)).toEqual(plain.get(key, handler));
        }
        expect(cached.get(Tagged, handler)).toEqual(plain.get(Tagged, handler));
      }
    }
    expect(cached.getAllAndOverride('roles', [Controller.prototype.command, Controller])).toEqual(['integrator']);
    expect(cached.getAllAndOverride('roles', [Controller.prototype.plain, Controller])).toEqual(['auditor']);
    expect(cached.get(Tagged, Controller.prototype.command)).toBe('t');
  });

  it('reads each key of each target from the metadata once', () => {
    const cached = new CachedReflector();
    const read = jest.spyOn(Reflect, 'getMetadata');
    try {
      for (let i = 0; i < 5; i++) {
        cached.getAllAndOverride('roles', [Controller.prototype.plain, Controller]);
        cached.getAllAndOverride('missing', [Controller.prototype.plain, Controller]);
      }
      expect(read).toHaveBeenCalledTimes(4);
    } finally {
      read.mockRestore();
    }
  });
});
