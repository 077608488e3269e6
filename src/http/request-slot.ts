/** Per-request values kept on the request object itself, under a private symbol: a WeakMap entry per request costs the collector more (its ephemeron table is walked at every scavenge while requests are in flight). */

/** A value of one kind attached to requests (or any object that lives as long as its request). */
export interface RequestSlot<T> {
  get(req: object): T | undefined;
  set(req: object, value: T): void;
  /** The value, after taking it off the request (undefined when none was set). */
  take(req: object): T | undefined;
}

/** A new slot; name only labels its symbol in a debugger. */
export function requestSlot<T>(name: string): RequestSlot<T> {
  const key = Symbol(name);
  type Holder = { [key]?: T };
  return {
    get: (req) => (req as Holder)[key],
    set: (req, value) => {
      (req as Holder)[key] = value;
    },
    take: (req) => {
      const value = (req as Holder)[key];
      if (value !== undefined) (req as Holder)[key] = undefined;
      return value;
    },
  };
}
