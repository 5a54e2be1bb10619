import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

const MISSING = Symbol('no-metadata');

/**
 * Nest's Reflector, with each answer kept per (key, class or handler). Route metadata is declared
 * by decorators when the classes load and never changes afterwards, but every request asks for it
 * again: the rate-limit guard alone asks six keys per throttler, each a walk of the handler's and
 * the controller's prototype chains in reflect-metadata. Only `get` is kept; the other methods of
 * Reflector are built on it.
 */
@Injectable()
export class CachedReflector extends Reflector {
  private readonly answers = new WeakMap<object, Map<unknown, unknown>>();

  override get(metadataKeyOrDecorator: Parameters<Reflector['get']>[0], target: Parameters<Reflector['get']>[1]): ReturnType<Reflector['get']> {
    let known = this.answers.get(target);
    if (!known) this.answers.set(target, (known = new Map()));
    const found = known.get(metadataKeyOrDecorator);
    if (found !== undefined) return found === MISSING ? undefined : found;
    const value = super.get(metadataKeyOrDecorator, target);
    known.set(metadataKeyOrDecorator, value === undefined ? MISSING : value);
    return value;
  }
}
